/// POST mfa/confirm/ and mfa/deactivate/ (API.md §6): a method name and a code.
public struct MethodCodeRequest: RequestBody {
    public let method: MethodName
    public let code: String
}
