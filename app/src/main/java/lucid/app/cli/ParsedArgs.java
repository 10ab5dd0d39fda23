package lucid.app.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Parses {@code --name value}, {@code --name=value} and {@code --flag} against a command's declared
 * options; anything undeclared or malformed is a {@link UsageException} naming the problem.
 * Options given more than once keep every value (see {@link #all}).
 */
public final class ParsedArgs {

    private final Map<String, List<String>> values = new HashMap<>();

    private ParsedArgs() {
    }

    public static ParsedArgs parse(String command, List<Option> options, List<String> args) {
        Map<String, Option> byName = new HashMap<>();
        Map<String, Option> byShortName = new HashMap<>();
        for (Option o : options) {
            byName.put(o.name(), o);
            if (o.shortName() != null) {
                byShortName.put(o.shortName(), o);
            }
        }
        ParsedArgs parsed = new ParsedArgs();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.length() == 2 && arg.charAt(0) == '-' && byShortName.containsKey(arg.substring(1))) {
                arg = "--" + byShortName.get(arg.substring(1)).name();
            }
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new UsageException("unexpected argument '" + arg + "' for '" + command
                        + "' (options start with --; see lucid help " + command + ")");
            }
            String name = arg.substring(2);
            String inline = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                inline = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Option option = byName.get(name);
            if (option == null) {
                throw new UsageException("unknown option --" + name + " for '" + command + "' (see lucid help " + command + ")");
            }
            String value;
            if (option.isFlag()) {
                if (inline != null) {
                    throw new UsageException("--" + name + " takes no value");
                }
                value = "true";
            } else if (inline != null) {
                value = inline;
            } else {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value (" + option.valueName() + ")");
                }
                value = args.get(++i);
            }
            parsed.values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        for (Option o : options) {
            if (o.required() && !parsed.values.containsKey(o.name())) {
                throw new UsageException("'" + command + "' needs " + o.usage());
            }
        }
        return parsed;
    }

    public boolean flag(String name) {
        return values.containsKey(name);
    }

    public Optional<String> string(String name) {
        List<String> v = values.get(name);
        return v == null ? Optional.empty() : Optional.of(v.getLast());
    }

    public String string(String name, String fallback) {
        return string(name).orElse(fallback);
    }

    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public int integer(String name, int fallback) {
        Optional<String> v = string(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.get().trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + v.get() + "'");
        }
    }

    public long longValue(String name, long fallback) {
        Optional<String> v = string(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.get().trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a whole number, got '" + v.get() + "'");
        }
    }

    public float decimal(String name, float fallback) {
        Optional<String> v = string(name);
        if (v.isEmpty()) {
            return fallback;
        }
        try {
            float f = Float.parseFloat(v.get().trim());
            if (!Float.isFinite(f)) {
                throw new NumberFormatException();
            }
            return f;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, got '" + v.get() + "'");
        }
    }

    /** A path option that must name an existing regular file. */
    public Path existingFile(String name) {
        Path p = Path.of(string(name).orElseThrow(() -> new UsageException("--" + name + " is required")));
        if (!Files.exists(p)) {
            throw new UsageException("file not found: " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new UsageException("not a file: " + p);
        }
        return p;
    }
}
