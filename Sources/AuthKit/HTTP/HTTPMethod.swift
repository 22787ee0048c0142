/// Request methods, in the order DRF lists them in `Allow` headers.
public enum HTTPMethod: Hashable, Sendable {
    case get, post, put, patch, delete, head, options, trace
    case other(String)

    public init(_ text: String) {
        switch text {
        case "GET": self = .get
        case "POST": self = .post
        case "PUT": self = .put
        case "PATCH": self = .patch
        case "DELETE": self = .delete
        case "HEAD": self = .head
        case "OPTIONS": self = .options
        case "TRACE": self = .trace
        default: self = .other(text)
        }
    }

    public var name: String {
        switch self {
        case .get: return "GET"
        case .post: return "POST"
        case .put: return "PUT"
        case .patch: return "PATCH"
        case .delete: return "DELETE"
        case .head: return "HEAD"
        case .options: return "OPTIONS"
        case .trace: return "TRACE"
        case .other(let s): return s
        }
    }

    /// Position in DRF's `http_method_names`, which orders the `Allow` header.
    var allowOrder: Int {
        switch self {
        case .get: return 0
        case .post: return 1
        case .put: return 2
        case .patch: return 3
        case .delete: return 4
        case .head: return 5
        case .options: return 6
        case .trace: return 7
        case .other: return 8
        }
    }
}
