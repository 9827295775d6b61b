import FedSurvAgent
import FedSurvConfig
import FedSurvCoordinator
import Foundation
import Testing

@Suite("Coordinator and site configuration")
struct ConfigurationTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("example coordinator.toml loads")
    func exampleCoordinatorLoads() throws {
        let config = try CoordinatorConfig.load(path: Self.repositoryRoot + "/coordinator.toml")
        #expect(config.rounds.sites == ["site-a", "site-b", "site-c"])
        #expect(config.privacy.settings.mechanism == "gaussian")
        #expect(config.privacy.cap(of: "site-c") == 5.0)
        #expect(config.privacy.cap(of: "site-a") == 8.0)
        #expect(config.model.hiddenSizes["cnv"] == [32])
        #expect(config.rounds.count == 24)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.maxBodyBytes == 64 << 20)
    }

    @Test("example site.toml files load", arguments: ["site-a", "site-b", "site-c"])
    func exampleSitesLoad(site: String) throws {
        let config = try SiteConfig.load(path: "\(Self.repositoryRoot)/sites/\(site)/site.toml")
        #expect(config.name == site)
        #expect(config.shareEvaluation == false)
        #expect(config.coordinatorURL == "https://127.0.0.1:8443")
    }

    @Test("unknown coordinator key names its line")
    func unknownCoordinatorKey() throws {
        let text = """
            [server]
            certificate = "a"
            key = "b"
            ca = "c"
            prot = 8443
            """
        do {
            _ = try CoordinatorConfig.parse(text: text, file: "coordinator.toml", folder: "/tmp")
            Issue.record("an unknown key was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("coordinator.toml:5:"))
            #expect(error.description.contains("did you mean 'port'"))
        }
    }

    @Test("unknown site key names its line")
    func unknownSiteKey() throws {
        let text = """
            [site]
            name = "site-a"
            data = "data"
            state = "state"

            [coordinator]
            url = "https://127.0.0.1:8443"
            ca = "ca.pem"
            certificate = "cert.pem"
            key = "key.pem"

            [privacy]
            epsilon_cap = 4
            epsilon_limit = 5
            """
        do {
            _ = try SiteConfig.parse(text: text, file: "site.toml", folder: "/tmp")
            Issue.record("an unknown key was accepted")
        } catch let error as ConfigError {
            #expect(error.description.contains("site.toml:14:"))
        }
    }
}
