package lucid.app.settings;

import atlantafx.base.theme.CupertinoDark;
import atlantafx.base.theme.CupertinoLight;
import atlantafx.base.theme.NordDark;
import atlantafx.base.theme.NordLight;
import atlantafx.base.theme.PrimerDark;
import atlantafx.base.theme.PrimerLight;

/** The AtlantaFX themes offered, each with its user-agent stylesheet. */
public enum Theme {
    PRIMER_LIGHT(false), PRIMER_DARK(true), NORD_LIGHT(false), NORD_DARK(true), CUPERTINO_LIGHT(false),
    CUPERTINO_DARK(true);

    private final boolean dark;

    Theme(boolean dark) {
        this.dark = dark;
    }

    public boolean isDark() {
        return dark;
    }

    /** The key of this theme's name in the message bundles. */
    public String messageKey() {
        return "theme." + name().toLowerCase(java.util.Locale.ROOT);
    }

    public String userAgentStylesheet() {
        return switch (this) {
            case PRIMER_LIGHT -> new PrimerLight().getUserAgentStylesheet();
            case PRIMER_DARK -> new PrimerDark().getUserAgentStylesheet();
            case NORD_LIGHT -> new NordLight().getUserAgentStylesheet();
            case NORD_DARK -> new NordDark().getUserAgentStylesheet();
            case CUPERTINO_LIGHT -> new CupertinoLight().getUserAgentStylesheet();
            case CUPERTINO_DARK -> new CupertinoDark().getUserAgentStylesheet();
        };
    }
}
