import FedSurvAgent

/// An error of building the site's local trainer.
enum LocalTrainerFactoryError: Error, CustomStringConvertible {
    case unavailable

    var description: String {
        "private training is not available in this build; the DP trainer is wired in by a later version"
    }
}

/// Returns the local DP trainer `site-agent join` uses for this site.
///
/// NOTE: placeholder until the DP trainer (`PrivateLocalTrainer` in FedSurvModel/Private) conforms
/// to `LocalTrainer`; it throws, so `join` stops before any round is joined.
func makeLocalTrainer(config: SiteConfig) throws -> any LocalTrainer {
    throw LocalTrainerFactoryError.unavailable
}
