/// This build's version: printed by `--version`, and the tag `scripts/generate-manifests.py` gives
/// the images in the manifests it writes (it asks the binary).
let serverVersion = "0.1.0"
