import CryptoCore
import FIDO

/// Verifies an assertion (`navigator.credentials.get()` answer) against a stored credential as
/// W3C WebAuthn Level 2 §7.2 describes. Finding the stored credential by `rawId` and checking it
/// belongs to the right user is the caller's job (`credentialID(of:)` reads the id first).
public enum AssertionVerifier {
    /// The raw credential id an assertion names, to look the stored key up before verifying.
    public static func credentialID(of assertion: JSONValue) throws(WebAuthnError) -> [UInt8] {
        try PublicKeyCredentialJSON(assertion).rawID
    }

    public static func verify(
        assertionJSON: [UInt8], expectedChallenge: [UInt8], origins: [String], rpID: String, publicKey: [UInt8],
        storedSignCount: UInt32, requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedAssertion {
        try verify(
            assertion: PublicKeyCredentialJSON(bytes: assertionJSON), expectedChallenge: expectedChallenge,
            origins: origins, rpID: rpID, publicKey: publicKey, storedSignCount: storedSignCount,
            requireUserVerification: requireUserVerification)
    }

    public static func verify(
        assertion: JSONValue, expectedChallenge: [UInt8], origins: [String], rpID: String, publicKey: [UInt8],
        storedSignCount: UInt32, requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedAssertion {
        try verify(
            assertion: PublicKeyCredentialJSON(assertion), expectedChallenge: expectedChallenge, origins: origins,
            rpID: rpID, publicKey: publicKey, storedSignCount: storedSignCount,
            requireUserVerification: requireUserVerification)
    }

    static func verify(
        assertion: PublicKeyCredentialJSON, expectedChallenge: [UInt8], origins: [String], rpID: String,
        publicKey: [UInt8], storedSignCount: UInt32, requireUserVerification: Bool
    ) throws(WebAuthnError) -> VerifiedAssertion {
        let clientData = try ClientData(assertion.field("clientDataJSON", limit: ClientData.maximumSize))
        try clientData.check(type: "webauthn.get", challenge: expectedChallenge, origins: origins)
        let authenticatorData = try AuthenticatorData(
            assertion.field("authenticatorData", limit: AuthenticatorData.maximumSize))
        let signature = try assertion.field("signature", limit: 1024)
        var userHandle: [UInt8]?
        if let value = assertion.response["userHandle"], value != .null {
            userHandle = try PublicKeyCredentialJSON.bytes(value, "userHandle", limit: 64)
        }
        guard ConstantTime.equals(authenticatorData.rpIDHash, Digest.hash(.sha256, Array(rpID.utf8))) else {
            throw .rpIDMismatch
        }
        guard authenticatorData.flags.contains(.userPresent) else { throw .userNotPresent(.authentication) }
        if requireUserVerification, !authenticatorData.flags.contains(.userVerified) {
            throw .userNotVerified(.authentication)
        }
        let key: COSEKey
        do { key = try COSEKey(publicKey) } catch { throw .malformedPublicKey(error.reason) }
        do {
            try SignatureVerifier.verify(
                key: key, rpID: rpID, authenticatorData: authenticatorData.bytes, clientDataHash: clientData.hash,
                signature: signature)
        } catch {
            throw error.kind == .malformed ? .malformedAuthenticatorData(error.reason) : .invalidSignature
        }
        // §7.2 step 21: a counter that does not grow means a possibly cloned authenticator.
        let received = authenticatorData.signCount
        if (received != 0 || storedSignCount != 0) && received <= storedSignCount {
            throw .signCountRegression(stored: storedSignCount, received: received)
        }
        return VerifiedAssertion(
            credentialID: assertion.rawID, newSignCount: received, flags: authenticatorData.flags,
            userHandle: userHandle)
    }
}
