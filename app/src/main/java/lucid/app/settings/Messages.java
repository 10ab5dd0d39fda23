package lucid.app.settings;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.PropertyResourceBundle;
import java.util.ResourceBundle;

import javafx.beans.binding.Bindings;
import javafx.beans.binding.StringBinding;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;

/**
 * The UI's translated strings, switchable at run time: views bind to {@link #bind} so changing the
 * language relabels the open window. Bundles live in ui-resources ({@code lucid/ui/i18n}) and are
 * read as UTF-8 through the class loader, which sees the resources module on the module path too.
 */
public final class Messages {

    public static final String BASE = "lucid/ui/i18n/messages";
    private final ObjectProperty<ResourceBundle> bundle = new SimpleObjectProperty<>();
    private final ObjectProperty<Locale> locale = new SimpleObjectProperty<>();

    public Messages(String languageTag) {
        setLanguage(languageTag);
    }

    public void setLanguage(String languageTag) {
        Locale l = Locale.forLanguageTag(languageTag);
        ResourceBundle root = read(BASE + ".properties", null);
        ResourceBundle b = "zh".equals(l.getLanguage()) ? read(BASE + "_zh_CN.properties", root) : root;
        // The bundle first: views that relabel on a change of locale then read the new language.
        bundle.set(b);
        locale.set(l);
    }

    public Locale locale() {
        return locale.get();
    }

    public ObjectProperty<Locale> localeProperty() {
        return locale;
    }

    public String get(String key, Object... args) {
        String pattern;
        try {
            pattern = bundle.get().getString(key);
        } catch (MissingResourceException e) {
            pattern = key; // a missing key shows itself instead of crashing a view
        }
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale.get()).format(args);
    }

    /** A string that follows the language. */
    public StringBinding bind(String key, Object... args) {
        return Bindings.createStringBinding(() -> get(key, args), bundle, locale);
    }

    private static ResourceBundle read(String path, ResourceBundle parent) {
        ClassLoader loader = Messages.class.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("message bundle " + path + " is missing from ui-resources");
            }
            return new PropertyResourceBundle(new InputStreamReader(in, StandardCharsets.UTF_8)) {
                {
                    if (parent != null) {
                        setParent(parent);
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
