/// POST mfa/ (create), mfa/send/ and mfa/challenge/ (API.md §6): a method name only.
public struct MethodRequest: RequestBody {
    public let method: MethodName
}
