import Testing

@testable import FedSurvTransport

@Suite struct TransportRouterTests {
    static let peer = PeerIdentity(commonName: "site-a", role: "site", serialNumber: "01", fingerprintSHA256: "", subject: "")

    /// Returns a handler whose response status identifies it.
    static func handler(_ status: Int) -> RouteHandler {
        { _ in Response(status: status) }
    }

    static func status(of decision: Router.Decision) -> Int? {
        guard case .handle(let handler, _) = decision else { return nil }
        return handler(Request(method: .get, path: "/", peer: peer, peerAddress: "test")).status
    }

    @Test("exact route matches")
    func exactRoute() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/status", handler: Self.handler(201))

        #expect(Self.status(of: router.route(method: .get, path: "/v1/status")) == 201)
        #expect(Self.status(of: router.route(method: .get, path: "/v1/status/")) == 201)
    }

    @Test("unknown path is not found")
    func unknownPath() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/status", handler: Self.handler(200))

        guard case .notFound = router.route(method: .get, path: "/v1/other") else {
            Issue.record("expected notFound")
            return
        }
    }

    @Test("wrong method lists allowed methods")
    func wrongMethod() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/rounds/{round}", handler: Self.handler(200))
        try router.register(method: .put, path: "/v1/rounds/{round}", handler: Self.handler(200))

        guard case .methodNotAllowed(let allowed) = router.route(method: .post, path: "/v1/rounds/3") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == [.get, .put])
    }

    @Test("unsupported method is not allowed")
    func unsupportedMethod() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/status", handler: Self.handler(200))

        guard case .methodNotAllowed(let allowed) = router.route(method: nil, path: "/v1/status") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allowed == [.get])
    }

    @Test("path parameters extracted")
    func pathParameters() throws {
        var router = Router()
        try router.register(method: .post, path: "/v1/rounds/{round}/sites/{site}", handler: Self.handler(200))

        guard case .handle(_, let parameters) = router.route(method: .post, path: "/v1/rounds/12/sites/site-b") else {
            Issue.record("expected a handler")
            return
        }
        #expect(parameters == ["round": "12", "site": "site-b"])
    }

    @Test("exact segment beats parameter")
    func exactBeatsParameter() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/rounds/{round}", handler: Self.handler(201))
        try router.register(method: .get, path: "/v1/rounds/current", handler: Self.handler(202))

        #expect(Self.status(of: router.route(method: .get, path: "/v1/rounds/current")) == 202)
        #expect(Self.status(of: router.route(method: .get, path: "/v1/rounds/4")) == 201)
    }

    @Test("unversioned and duplicate paths rejected", arguments: ["/status", "/v1", "/vx/status", "status"])
    func unversioned(path: String) {
        var router = Router()
        #expect(throws: TransportError.self) {
            try router.register(method: .get, path: path, handler: Self.handler(200))
        }
    }

    @Test("duplicate route rejected")
    func duplicate() throws {
        var router = Router()
        try router.register(method: .get, path: "/v1/status", handler: Self.handler(200))
        #expect(throws: TransportError.self) {
            try router.register(method: .get, path: "/v1/status", handler: Self.handler(200))
        }
    }
}
