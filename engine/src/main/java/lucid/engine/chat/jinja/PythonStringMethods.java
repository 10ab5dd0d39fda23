package lucid.engine.chat.jinja;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's {@code str} methods on strings, as Hugging Face templates call them
 * ({@code message['content'].strip()}, {@code content.split('</think>')[-1]},
 * {@code role.title()}, ...). Jinjava would look for Java methods of those names and find none, or
 * find Java's {@code String.split}, which takes a regular expression; this resolver answers first,
 * with Python's semantics, and leaves every other call to Jinjava.
 */
final class PythonStringMethods extends ELResolver {

    private static final Set<String> METHODS = Set.of("strip", "lstrip", "rstrip", "startswith", "endswith",
            "split", "upper", "lower", "title", "capitalize", "replace", "join", "find", "count", "isspace",
            "isdigit", "isalpha");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || !(method instanceof String name) || !METHODS.contains(name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = call(s, name, args);
        context.setPropertyResolved(true);
        return result;
    }

    static Object call(String s, String name, Object[] args) {
        return switch (name) {
            case "strip" -> strip(s, charsArg(name, args), true, true);
            case "lstrip" -> strip(s, charsArg(name, args), true, false);
            case "rstrip" -> strip(s, charsArg(name, args), false, true);
            case "startswith" -> matchesAny(s, name, args, true);
            case "endswith" -> matchesAny(s, name, args, false);
            case "split" -> split(s, args.length > 0 ? (String) stringOrNone(name, args[0]) : null,
                    args.length > 1 ? ((Number) args[1]).intValue() : -1);
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s
                    : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "replace" -> replace(s, string(name, args, 0), string(name, args, 1),
                    args.length > 2 ? ((Number) args[2]).intValue() : -1);
            case "join" -> join(s, args);
            case "find" -> s.indexOf(string(name, args, 0));
            case "count" -> count(s, string(name, args, 0));
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(c -> isSpace((char) c));
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            default -> throw new IllegalStateException(name);
        };
    }

    /** Python's str.isspace set: Java's whitespace plus the no-break spaces and U+0085. */
    static boolean isSpace(char c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
    }

    private static String charsArg(String name, Object[] args) {
        return args.length == 0 ? null : (String) stringOrNone(name, args[0]);
    }

    private static Object stringOrNone(String name, Object arg) {
        if (arg != null && !(arg instanceof String)) {
            throw new IllegalArgumentException("str." + name + "() needs a string argument, got " + arg);
        }
        return arg;
    }

    private static String string(String name, Object[] args, int index) {
        if (args.length <= index || !(args[index] instanceof String s)) {
            throw new IllegalArgumentException("str." + name + "() needs a string as argument " + (index + 1));
        }
        return s;
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isSpace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean matchesAny(String s, String name, Object[] args, boolean prefix) {
        if (args.length == 0) {
            throw new IllegalArgumentException("str." + name + "() needs an argument");
        }
        // Python accepts a tuple of candidates; a template can only write a list.
        Iterable<?> candidates = args[0] instanceof Iterable<?> it ? it : List.of(args[0]);
        for (Object candidate : candidates) {
            String c = (String) stringOrNone(name, candidate);
            if (c != null && (prefix ? s.startsWith(c) : s.endsWith(c))) {
                return true;
            }
        }
        return false;
    }

    static List<String> split(String s, String sep, int maxSplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && isSpace(s.charAt(i))) {
                    i++;
                }
                if (i == n) {
                    return out;
                }
                if (maxSplit >= 0 && out.size() == maxSplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    return out;
                }
                int j = i;
                while (j < n && !isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("str.split(): empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean cased = Character.isLetter(c);
            sb.append(cased ? (previousCased ? Character.toLowerCase(c) : Character.toTitleCase(c)) : c);
            previousCased = cased;
        }
        return sb.toString();
    }

    private static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            return s.replace(old, replacement);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0 || old.isEmpty()) {
                break;
            }
            sb.append(s, from, at).append(replacement);
            from = at + old.length();
        }
        return sb.append(s.substring(from)).toString();
    }

    private static String join(String sep, Object[] args) {
        if (args.length != 1 || !(args[0] instanceof Iterable<?> items)) {
            throw new IllegalArgumentException("str.join() needs one list argument");
        }
        StringBuilder sb = new StringBuilder();
        Iterator<?> it = items.iterator();
        while (it.hasNext()) {
            sb.append(it.next());
            if (it.hasNext()) {
                sb.append(sep);
            }
        }
        return sb.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    // The remaining ELResolver duties belong to the resolvers after this one.

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Strings are immutable; nothing to set.
    }
}
