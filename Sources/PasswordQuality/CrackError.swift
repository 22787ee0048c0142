/// The dictionary could not be opened or read; `message` names its path.
public struct CrackError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
