import CLibPQ

/// Owns one `PGresult`; values are read in text format.
public final class PGResult {
    private let handle: OpaquePointer

    init(_ handle: OpaquePointer) { self.handle = handle }
    deinit { PQclear(handle) }

    public var rowCount: Int { Int(PQntuples(handle)) }
    public var columnCount: Int { Int(PQnfields(handle)) }

    /// Rows affected by INSERT/UPDATE/DELETE (0 when not applicable).
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(handle))) ?? 0 }

    public func columnName(_ column: Int) -> String { String(cString: PQfname(handle, Int32(column))) }

    public func isNull(_ row: Int, _ column: Int) -> Bool { PQgetisnull(handle, Int32(row), Int32(column)) == 1 }

    public func string(_ row: Int, _ column: Int) -> String? {
        guard row < rowCount, column < columnCount, !isNull(row, column) else { return nil }
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard let base = PQgetvalue(handle, Int32(row), Int32(column)) else { return nil }
        return base.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    public func int(_ row: Int, _ column: Int) -> Int? { string(row, column).flatMap { Int($0) } }

    public func bool(_ row: Int, _ column: Int) -> Bool? {
        guard let s = string(row, column) else { return nil }
        return s == "t"
    }

    public func bytes(_ row: Int, _ column: Int) -> [UInt8]? {
        string(row, column).flatMap { PGBytes(pgText: $0)?.bytes }
    }

    /// A required column: a NULL or missing value is a decoding error.
    public func required(_ row: Int, _ column: Int) throws(PGError) -> String {
        guard let s = string(row, column) else {
            throw PGError(kind: .decoding, message: "unexpected NULL in column \(column)")
        }
        return s
    }

    public func requiredInt(_ row: Int, _ column: Int) throws(PGError) -> Int {
        guard let v = int(row, column) else {
            throw PGError(kind: .decoding, message: "expected an integer in column \(column)")
        }
        return v
    }
}
