import java.util.List;

/**
 * Code signing, switched on by environment variables so that no identity is ever written into the
 * repository (installers/README.md, "Signing"). Unset, the installers are built unsigned.
 */
final class Signing {

    private Signing() {
    }

    /**
     * macOS: LUCID_MAC_SIGN_IDENTITY is the part of a "Developer ID Application: NAME (TEAM)"
     * certificate name after the colon, found in LUCID_MAC_KEYCHAIN or the default keychain.
     * Notarization (xcrun notarytool) is a separate step after the .dmg is built.
     */
    static List<String> macArgs() {
        String identity = System.getenv("LUCID_MAC_SIGN_IDENTITY");
        if (identity == null || identity.isBlank()) {
            return List.of();
        }
        String keychain = System.getenv("LUCID_MAC_KEYCHAIN");
        return keychain == null || keychain.isBlank()
                ? List.of("--mac-sign", "--mac-signing-key-user-name", identity)
                : List.of("--mac-sign", "--mac-signing-key-user-name", identity, "--mac-signing-keychain", keychain);
    }
}
