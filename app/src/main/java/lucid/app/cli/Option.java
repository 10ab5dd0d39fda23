package lucid.app.cli;

/**
 * One command-line option.
 *
 * @param name        long name without dashes, e.g. "max-tokens"
 * @param valueName   placeholder shown in help ("N", "PATH"), or null for a flag
 * @param description one line of help
 * @param required    whether the command refuses to run without it
 */
public record Option(String name, String valueName, String description, boolean required, String shortName) {

    public Option(String name, String valueName, String description, boolean required) {
        this(name, valueName, description, required, null);
    }

    /** The same option, also accepted as {@code -x} (a single dash and one letter). */
    public Option withShortName(String letter) {
        return new Option(name, valueName, description, required, letter);
    }

    public static Option flag(String name, String description) {
        return new Option(name, null, description, false);
    }

    public static Option value(String name, String valueName, String description) {
        return new Option(name, valueName, description, false);
    }

    public static Option required(String name, String valueName, String description) {
        return new Option(name, valueName, description, true);
    }

    public boolean isFlag() {
        return valueName == null;
    }

    String usage() {
        return (shortName == null ? "" : "-" + shortName + ", ") + "--" + name + (isFlag() ? "" : " " + valueName);
    }
}
