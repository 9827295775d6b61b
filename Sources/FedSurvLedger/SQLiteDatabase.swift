import CSQLite
import Foundation

/// A failed SQLite call, with the database path, the statement and SQLite's message.
public struct SQLiteError: Error, CustomStringConvertible {
    public let path: String
    public let code: Int32
    public let message: String
    public let sql: String?

    public var description: String {
        var text = "SQLite error \(code) on \(path): \(message)"
        if let sql { text += " (statement: \(sql.prefix(120)))" }
        return text
    }
}

/// A value bound to, or read from, an SQLite statement.
public enum SQLiteValue: Equatable, Sendable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
}

/// A small synchronous SQLite connection: prepared statements, bound values, transactions.
///
/// One connection is used from one thread at a time. The connection enables
/// foreign keys and a busy timeout of 5 s so that a second process reading the
/// same file waits instead of failing at once.
public final class SQLiteDatabase {
    public let path: String
    private var handle: OpaquePointer?

    /// Opens (creating if needed) the database at `path`.
    public init(path: String) throws(SQLiteError) {
        self.path = path
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(connection)
            throw SQLiteError(path: path, code: status, message: message, sql: nil)
        }
        handle = connection
        sqlite3_busy_timeout(connection, 5_000)
        try execute("PRAGMA foreign_keys = ON")
    }

    /// Opens an existing database read-only; a missing file is an error rather than a new empty ledger.
    public init(readOnlyPath path: String) throws(SQLiteError) {
        self.path = path
        var connection: OpaquePointer?
        let status = sqlite3_open_v2(path, &connection, SQLITE_OPEN_READONLY, nil)
        guard status == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(connection)
            throw SQLiteError(path: path, code: status, message: message, sql: nil)
        }
        handle = connection
        sqlite3_busy_timeout(connection, 5_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        guard status == SQLITE_OK else {
            let message = errorMessage.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(path: path, code: status, message: message, sql: sql)
        }
    }

    /// Runs a statement with bound values and returns every row.
    @discardableResult
    public func query(_ sql: String, _ values: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw failure(sql)
        }
        defer { sqlite3_finalize(statement) }

        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .null: status = sqlite3_bind_null(statement, index)
            case .integer(let number): status = sqlite3_bind_int64(statement, index, number)
            case .real(let number): status = sqlite3_bind_double(statement, index, number)
            case .text(let text): status = sqlite3_bind_text(statement, index, text, -1, Self.transient)
            case .blob(let bytes):
                status = bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), Self.transient)
                }
            }
            guard status == SQLITE_OK else { throw failure(sql) }
        }

        var rows: [[SQLiteValue]] = []
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw failure(sql) }
            let columnCount = sqlite3_column_count(statement)
            var row: [SQLiteValue] = []
            row.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                row.append(Self.readColumn(statement, column))
            }
            rows.append(row)
        }
        return rows
    }

    /// Runs `body` inside `BEGIN IMMEDIATE ... COMMIT`, rolling back when it throws.
    ///
    /// `BEGIN IMMEDIATE` takes the write lock at the start, so two writers cannot
    /// both read the same chain head and then append after it. Inside a
    /// transaction that is already open on this connection, `body` runs in a
    /// savepoint instead, so its writes commit or roll back with the outer
    /// transaction. The coordinator appends its ledger entries this way, in
    /// the transaction that commits a round.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        if isInTransaction {
            return try savepoint(body)
        }
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool {
        sqlite3_get_autocommit(handle) == 0
    }

    private func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT fedsurv_nested")
        do {
            let result = try body()
            try execute("RELEASE fedsurv_nested")
            return result
        } catch {
            try? execute("ROLLBACK TO fedsurv_nested")
            try? execute("RELEASE fedsurv_nested")
            throw error
        }
    }

    // MARK: - Private

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private var lastMessage: String {
        String(cString: sqlite3_errmsg(handle))
    }

    private func failure(_ sql: String) -> SQLiteError {
        SQLiteError(path: path, code: sqlite3_errcode(handle), message: lastMessage, sql: sql)
    }

    private static func readColumn(_ statement: OpaquePointer, _ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            return .text(String(cString: sqlite3_column_text(statement, column)))
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default:
            return .null
        }
    }
}

extension SQLiteValue {
    public var int: Int64? { if case .integer(let value) = self { value } else { nil } }
    public var double: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
    public var string: String? { if case .text(let value) = self { value } else { nil } }
}
