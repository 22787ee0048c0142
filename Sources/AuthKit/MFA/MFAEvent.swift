import CryptoCore
import PostgreSQL

/// One kind of row in `mfa_events`, the audit trail of second factors.
public enum MFAEvent: String, Sendable, CaseIterable {
    case created, confirmed, deactivated, deleted
    case primaryChanged = "primary_changed"
    case loginVerified = "login_verified"
    /// A wrong (or replayed) code at login/verify/.
    case loginFailed = "login_failed"
    /// A wrong (or replayed) code at confirm/, deactivate/, primary/ or delete/.
    case codeFailed = "code_failed"
    /// Written in addition to the action the backup code authorised: the code is gone for good.
    case backupCodeUsed = "backup_code_used"
    case codeSent = "code_sent"
    case locked, unlocked
    /// A new set of backup codes replaced the old one (POST mfa/backup-codes/regenerate/).
    case backupCodesRegenerated = "backup_codes_regenerated"
    /// Removed by the help desk (`authkit mfa reset`).
    case reset
}

/// Who caused an event: the client address, nginx's request id and a hash of the User-Agent.
public struct EventOrigin: Sendable, Equatable {
    public var clientIP: String?
    public var requestID: String
    public var userAgentHash: String?

    public init(clientIP: String?, requestID: String, userAgentHash: String?) {
        // Only a well-formed address reaches the inet column (a unix-socket peer has none).
        self.clientIP = clientIP.flatMap { IPRange.parse($0) == nil ? nil : $0 }
        self.requestID = requestID
        self.userAgentHash = userAgentHash
    }

    /// Events caused by `authkit` subcommands.
    public static let commandLine = EventOrigin(clientIP: nil, requestID: "cli", userAgentHash: nil)

    /// The User-Agent is reduced to 16 bytes of its SHA-256: enough to group requests by
    /// client software, without keeping the header itself.
    public static func hash(userAgent: String?) -> String? {
        guard let userAgent, !userAgent.isEmpty else { return nil }
        return Hex.encode(Digest.hash(.sha256, Array(userAgent.utf8)).prefix(16))
    }

    /// The statement parameters, in the order the trail's SQL takes them.
    var parameters: [any PGBindable] { [clientIP, requestID, userAgentHash] }
}
