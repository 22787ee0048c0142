import AuthKit
import CryptoCore

/// A second factor that exists only in the tests: a fixed 8-digit PIN shown once at
/// enrolment. It proves that a new factor is one type plus its registration
/// (`MFAHandlerRegistry.builtIn.registering("pin") { PinHandler($0) }`): no other file changes.
struct PinHandler: MFAHandler {
    let name = "pin"
    let evidenceKinds = ["pin"]
    var redemptions: [Redemption] { [Self.anyTime] }
    let secrets: SecretBox

    /// A PIN is not single-use; consuming it only resets the attempt counter.
    static let anyTime = Redemption(name: "pin", assignments: "", condition: "true")

    init(_ environment: HandlerEnvironment) { secrets = environment.secrets }

    func enrol(user: User) throws -> Enrolment {
        let pin = String(10_000_000 + SecureRandom.uniform(89_999_999))
        return Enrolment(secret: pin, setupData: .object(["pin": .string(pin)]))
    }

    func challengeOptions(_ method: MFAMethod, user: User, context: ChallengeContext) -> JSONValue {
        .object(["hint": "the PIN shown when the method was created"])
    }

    func evidence(_ code: String, for method: MFAMethod, now: UnixTime) throws -> Evidence? {
        guard let pin = try? secrets.open(method.secret, userID: method.userID, method: method.name),
              ConstantTime.equals(Array(pin.utf8), Array(code.utf8)) else { return nil }
        return Evidence(kind: "pin", redemption: Self.anyTime)
    }
}
