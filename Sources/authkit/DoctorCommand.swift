import ArgumentParser
import AuthKit

/// `authkit doctor`: what is wrong with this instance's configuration and surroundings.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the settings, database (reachability, migrations, connection budget), secret key, encryption keys, SMTP server and clock; exit 1 when something must be fixed.")
    @OptionGroup var options: ConfigOptions

    func run() throws {
        let findings = Doctor(environment: try options.environment()).run()
        for finding in findings { print(finding) }
        let failures = findings.filter { $0.level == .failure }.count
        let warnings = findings.filter { $0.level == .warning }.count
        print("\(findings.count) check(s): \(failures) to fix, \(warnings) warning(s)")
        if failures > 0 { throw ExitCode(1) }
    }
}
