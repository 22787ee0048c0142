#if canImport(Glibc)
import Glibc
#endif

/// The process environment and small file reads, straight from libc (the server does not link
/// Foundation: it would add tens of MB to the binary for two functions).
public enum ProcessEnvironment {
    public static func current() -> [String: String] {
        var result: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let text = String(cString: entry)
            if let eq = text.firstIndex(of: "=") {
                result[String(text[..<eq])] = String(text[text.index(after: eq)...])
            }
            p += 1
        }
        return result
    }

    /// Settings from an optional KEY=VALUE file, overridden by the process environment.
    public static func settingsEnvironment(configFile: String?) throws(SettingsError) -> [String: String] {
        var merged: [String: String] = [:]
        if let configFile {
            guard let text = readFile(configFile) else {
                throw SettingsError(setting: "--config", problem: "cannot read \(configFile): \(String(cString: strerror(errno)))")
            }
            merged = try EnvironmentFile.parse(text, source: configFile)
        }
        for (k, v) in current() { merged[k] = v }
        return merged
    }

    public static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads all of standard input (for `--password-stdin`).
    public static func readStandardInput() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(0, &buffer, buffer.count)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
