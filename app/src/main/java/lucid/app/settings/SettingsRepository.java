package lucid.app.settings;

import java.util.ArrayList;
import java.util.List;

import lucid.app.chat.ConversationStore;
import lucid.app.chat.Preset;

/** Reads and writes {@link AppSettings} and the user's presets in the database's settings table. */
public final class SettingsRepository {

    /** The settings-table key of {@link AppSettings}. */
    public static final String APP = "app";
    private static final String PRESETS = "presets";
    private final ConversationStore store;

    public SettingsRepository(ConversationStore store) {
        this.store = store;
    }

    public AppSettings load() {
        return store.setting(APP).map(s -> {
            try {
                return store.fromJson(s, AppSettings.class);
            } catch (IllegalArgumentException e) {
                return AppSettings.defaults();
            }
        }).orElse(AppSettings.defaults());
    }

    public void save(AppSettings settings) {
        store.putSetting(APP, store.toJson(settings));
    }

    public List<Preset> userPresets() {
        return store.setting(PRESETS).map(s -> {
            try {
                return List.of(store.fromJson(s, Preset[].class));
            } catch (IllegalArgumentException e) {
                return List.<Preset>of();
            }
        }).orElse(List.of());
    }

    public void saveUserPreset(Preset preset) {
        List<Preset> all = new ArrayList<>(userPresets());
        all.removeIf(p -> p.name().equals(preset.name()));
        all.add(preset);
        store.putSetting(PRESETS, store.toJson(all));
    }
}
