import Foundation
import Testing
import TestSupport

/// The responder reads nginx's parameters in one pass (`Connection.parameters`): names that
/// share a prefix must not be confused, the first of two equal names wins (as with
/// `FCGX_GetParam`), and an empty value counts as absent where nginx sends empty ones.
@Suite struct FastCGIParameterTests {
    func answer(_ app: AppInstance, _ extra: [(String, String)]) throws -> String {
        let client = try FastCGIClient(unixPath: app.socketPath)
        client.begin(method: "GET", uri: "/api/auth/healthz", extra: extra)
        client.sendBody([])
        return try client.readResponse()
    }

    @Test func namesArePickedExactlyAndTheFirstOccurrenceWins() throws {
        let pg = try PostgresCluster.shared.get()
        let app = try AppInstance(databaseURL: pg.url(try pg.createDatabase()))
        defer { _ = app.terminate() }
        // A longer name with the same prefix is not HTTP_ACCEPT.
        #expect(try answer(app, [("HTTP_ACCEPT_LANGUAGE", "text/csv"), ("HTTP_ACCEPTX", "text/csv")]).hasPrefix("Status: 200"))
        #expect(try answer(app, [("HTTP_ACCEPT_LANGUAGE", "en"), ("HTTP_ACCEPT", "text/csv")]).hasPrefix("Status: 406"))
        #expect(try answer(app, [("HTTP_ACCEPT", "text/csv"), ("HTTP_ACCEPT", "application/json")]).hasPrefix("Status: 406"))
        #expect(try answer(app, [("HTTP_ACCEPT", "application/json"), ("HTTP_ACCEPT", "text/csv")]).hasPrefix("Status: 200"))
        #expect(try answer(app, [("HTTP_ACCEPT", "")]).hasPrefix("Status: 200"))
    }
}
