/// The rate limits, per scope (DRF's THROTTLE_RATES), counted in PostgreSQL so every instance
/// shares them, and how client addresses are grouped.
public struct ThrottleSettings: SettingsGroup {
    /// The rate of each scope; nil: that scope is not limited.
    public var rates: [ThrottleScope: ThrottleRate]
    static let rates = SettingKey<[String: ThrottleRate?]>(
        "THROTTLE_RATES", default: ThrottleScope.defaults, .throttleRates,
        "DRF-style rates as scope=N/period (period s, min, hour or day), comma-separated; a scope not named keeps "
            + "its default, scope=none turns one off, none turns all off. auth_kit: per client network on the login "
            + "and token routes; mfa: per user on mfa/ changes (create, confirm, deactivate, primary, send, delete, "
            + "regenerate); mfa_setup: per user on method creation (bounds unconfirmed-method churn); "
            + "password_reset: per client network on password/reset/ (429); password_reset_address: per address "
            + "asked for (the answer stays 200, further mails are just not sent); registration: per client network on "
            + "registration/ and registration/resend-email/ (429); registration_address: confirmation mails per "
            + "address on registration/resend-email/ (the answer stays 200); passwordless_address: sign-in links per "
            + "address on passwordless/email/initiate/ (the answer stays 200). Counted in PostgreSQL: N "
            + "instances give the rate once.")

    public var ipv4Prefix: Int
    static let ipv4Prefix = SettingKey<Int>(
        "THROTTLE_IPV4_PREFIX", default: "32", .int(in: 8...32),
        "Leading bits of an IPv4 client address that identify a client for the per-address rate.")

    public var ipv6Prefix: Int
    static let ipv6Prefix = SettingKey<Int>(
        "THROTTLE_IPV6_PREFIX", default: "64", .int(in: 16...128),
        "Leading bits of an IPv6 client address that identify a client for the per-address rate (a client "
            + "usually owns a whole /64 and can rotate within it).")

    public static var catalog: [SettingInfo] { [rates.info, ipv4Prefix.info, ipv6Prefix.info] }

    init(reader: SettingsReader) throws(SettingsError) {
        let configured = try reader.value(Self.rates)
        var rates: [ThrottleScope: ThrottleRate] = [:]
        for scope in ThrottleScope.allCases {
            let rate = configured[scope.rawValue] ?? scope.defaultRate
            if let rate { rates[scope] = rate }
        }
        self.rates = rates
        ipv4Prefix = try reader.value(Self.ipv4Prefix)
        ipv6Prefix = try reader.value(Self.ipv6Prefix)
    }

    /// The key a request is counted under in `scope`: the client's network, the user, or an
    /// address's keyed digest (`address`: never the address itself, which the table must not hold).
    public func key(_ scope: ThrottleScope, client: String, userID: Int64?, address: String? = nil) -> String {
        switch scope.subject {
        case .client: return scope.rawValue + ":ip:" + IPRange.network(of: client, v4Prefix: ipv4Prefix, v6Prefix: ipv6Prefix)
        case .user: return scope.rawValue + ":user:" + (userID.map(String.init) ?? "-")
        case .address: return scope.rawValue + ":addr:" + (address ?? "-")
        }
    }
}

/// A rate-limit scope: who it counts (a client network, or an authenticated user) and its default.
public enum ThrottleScope: String, Sendable, CaseIterable {
    /// drf-auth-kit's scope: the unauthenticated login and token routes, per client network.
    case authKit = "auth_kit"
    /// Changes to one's own methods, per user.
    case mfa
    /// Creating a method (each costs hashing and a secret), per user.
    case mfaSetup = "mfa_setup"
    /// Password reset requests, per client network (429 when full: it says nothing about an address).
    case passwordReset = "password_reset"
    /// Password reset mails, per address asked for: when full the answer stays the same 200 and no
    /// mail is sent, so nobody can bury a mailbox in reset mails nor learn whether an address exists.
    case passwordResetAddress = "password_reset_address"
    /// Sign-ups and confirmation re-sends, per client network (429): each costs a password hash
    /// or a mail.
    case registration
    /// Confirmation mails re-sent to one address: when full the answer stays 200 and no mail is
    /// sent, as for password_reset_address.
    case registrationAddress = "registration_address"
    /// Email sign-in links mailed to one address: when full the answer stays 200 and no mail is sent.
    case passwordlessAddress = "passwordless_address"

    /// Who a scope counts: a client network, an authenticated user, or an address (counted by
    /// the controller, which knows it; routes list only client and user scopes).
    public enum Subject: Sendable { case client, user, address }

    public var subject: Subject {
        switch self {
        case .authKit, .passwordReset, .registration: return .client
        case .mfa, .mfaSetup: return .user
        case .passwordResetAddress, .registrationAddress, .passwordlessAddress: return .address
        }
    }

    var defaultRate: ThrottleRate {
        switch self {
        case .authKit: return ThrottleRate(requests: 60, period: 60)
        case .mfa: return ThrottleRate(requests: 30, period: 60)
        case .mfaSetup: return ThrottleRate(requests: 10, period: 3600)
        case .passwordReset: return ThrottleRate(requests: 10, period: 3600)
        case .passwordResetAddress: return ThrottleRate(requests: 3, period: 3600)
        case .registration: return ThrottleRate(requests: 10, period: 3600)
        case .registrationAddress: return ThrottleRate(requests: 3, period: 3600)
        case .passwordlessAddress: return ThrottleRate(requests: 5, period: 3600)
        }
    }

    static let defaults = "auth_kit=60/min,mfa=30/min,mfa_setup=10/hour,password_reset=10/hour,password_reset_address=3/hour,"
        + "registration=10/hour,registration_address=3/hour,passwordless_address=5/hour"
}
