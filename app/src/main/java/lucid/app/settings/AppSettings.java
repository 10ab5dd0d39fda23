package lucid.app.settings;

import java.util.List;

/**
 * App-wide preferences, saved in the database's settings table.
 *
 * @param language     a language tag with a bundle: "en" or "zh-CN"
 * @param theme        one of {@link Theme}
 * @param fontSize     base font size in points
 * @param modelsFolder a folder scanned for GGUF files, or "" for none
 * @param recentModels most recent first
 * @param exactProducts float activations in every matrix product (slower; results equal a run on
 *                      dequantized weights) instead of the engine's fast 8-bit ones where those are faster
 * @param repackWeights copy Q4_0, Q4_K, Q5_K and Q6_K weights, in the background after a load, into the layout that
 *                      generates fastest (more memory; from the next model loaded). On unless turned off: null
 *                      (settings saved before it existed) reads as on
 */
public record AppSettings(String language, Theme theme, double fontSize, String modelsFolder,
                          List<String> recentModels, boolean exactProducts, Boolean repackWeights) {

    public static final int MAX_RECENT = 10;

    public AppSettings {
        language = language == null || language.isBlank() ? "en" : language;
        theme = theme == null ? Theme.PRIMER_LIGHT : theme;
        fontSize = fontSize < 8 || fontSize > 32 ? 13 : fontSize;
        modelsFolder = modelsFolder == null ? "" : modelsFolder;
        recentModels = recentModels == null ? List.of() : List.copyOf(recentModels);
        repackWeights = repackWeights == null || repackWeights;
    }

    public static AppSettings defaults() {
        return new AppSettings("en", Theme.PRIMER_LIGHT, 13, "", List.of(), false, true);
    }

    public AppSettings withLanguage(String value) {
        return new AppSettings(value, theme, fontSize, modelsFolder, recentModels, exactProducts, repackWeights);
    }

    public AppSettings withTheme(Theme value) {
        return new AppSettings(language, value, fontSize, modelsFolder, recentModels, exactProducts, repackWeights);
    }

    public AppSettings withFontSize(double value) {
        return new AppSettings(language, theme, value, modelsFolder, recentModels, exactProducts, repackWeights);
    }

    public AppSettings withModelsFolder(String value) {
        return new AppSettings(language, theme, fontSize, value, recentModels, exactProducts, repackWeights);
    }

    public AppSettings withExactProducts(boolean value) {
        return new AppSettings(language, theme, fontSize, modelsFolder, recentModels, value, repackWeights);
    }

    public AppSettings withRepackWeights(boolean value) {
        return new AppSettings(language, theme, fontSize, modelsFolder, recentModels, exactProducts, value);
    }

    /** Puts {@code path} first in the recent list. */
    public AppSettings withRecent(String path) {
        var list = new java.util.ArrayList<>(recentModels);
        list.remove(path);
        list.addFirst(path);
        return new AppSettings(language, theme, fontSize, modelsFolder,
                list.subList(0, Math.min(MAX_RECENT, list.size())), exactProducts, repackWeights);
    }
}
