/// Maps a method and a path to a route handler, with no networking involved.
///
/// Paths must be versioned (`/v1/...`). A segment written `{name}` matches any
/// single non-empty segment and is passed to the handler as a path parameter.
/// Exact segments take precedence over parameters when two routes overlap.
public struct Router: Sendable {
    /// The result of routing one request.
    public enum Decision {
        case handle(RouteHandler, pathParameters: [String: String])
        /// The path matches no route, so the response is 404.
        case notFound
        /// The path matches routes, but none for this method, so the response is 405 with `Allow`.
        case methodNotAllowed(allowed: [HTTPMethod])
    }

    private struct Route: Sendable {
        var method: HTTPMethod
        var segments: [String]
        var handler: RouteHandler
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route.
    ///
    /// - Throws: `TransportError.invalidConfiguration` when the path is not
    ///   versioned (`/v<digits>/...`) or the method and path are already registered.
    public mutating func register(method: HTTPMethod, path: String, handler: @escaping RouteHandler) throws {
        let segments = Self.segments(of: path)
        guard let version = segments.first, version.count >= 2, version.hasPrefix("v"),
            version.dropFirst().allSatisfy(\.isNumber), segments.count >= 2
        else {
            throw TransportError.invalidConfiguration(
                "route path '\(path)' is not versioned; write it as /v1/<resource>")
        }
        if routes.contains(where: { $0.method == method && $0.segments == segments }) {
            throw TransportError.invalidConfiguration("route \(method) \(path) is registered twice")
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
    }

    /// Returns the handler for `method path`, or the reason there is none.
    public func route(method: HTTPMethod?, path: String) -> Decision {
        let requested = Self.segments(of: path)
        var best: (route: Route, parameters: [String: String], exactCount: Int)?
        var allowed: [HTTPMethod] = []

        for route in routes {
            guard let (parameters, exactCount) = Self.match(route.segments, requested) else { continue }
            if !allowed.contains(route.method) { allowed.append(route.method) }
            guard route.method == method else { continue }
            if best == nil || exactCount > best!.exactCount {
                best = (route, parameters, exactCount)
            }
        }

        if let best {
            return .handle(best.route.handler, pathParameters: best.parameters)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func segments(of path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    /// Returns the parameters and the number of exactly matched segments, or nil when the route does not match.
    private static func match(_ pattern: [String], _ requested: [String]) -> ([String: String], Int)? {
        guard pattern.count == requested.count else { return nil }
        var parameters: [String: String] = [:]
        var exactCount = 0
        for (expected, actual) in zip(pattern, requested) {
            if expected.hasPrefix("{") && expected.hasSuffix("}") && expected.count > 2 {
                parameters[String(expected.dropFirst().dropLast())] = actual
            } else if expected == actual {
                exactCount += 1
            } else {
                return nil
            }
        }
        return (parameters, exactCount)
    }
}
