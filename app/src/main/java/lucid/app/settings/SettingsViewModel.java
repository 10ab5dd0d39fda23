package lucid.app.settings;

import java.nio.file.Path;

import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;

/** App-wide preferences: language, theme, font size, models folder, recent models. Saved on change. */
public final class SettingsViewModel {

    private final SettingsRepository repository;
    private final Messages messages;
    private final ObjectProperty<AppSettings> settings = new SimpleObjectProperty<>(this, "settings");

    public SettingsViewModel(SettingsRepository repository, Messages messages) {
        this.repository = repository;
        this.messages = messages;
        settings.set(repository.load());
        messages.setLanguage(settings.get().language());
        settings.addListener((obs, old, s) -> {
            repository.save(s);
            if (!s.language().equals(old.language())) {
                messages.setLanguage(s.language());
            }
        });
    }

    public ObjectProperty<AppSettings> settingsProperty() {
        return settings;
    }

    public AppSettings get() {
        return settings.get();
    }

    public Messages messages() {
        return messages;
    }

    public SettingsRepository repository() {
        return repository;
    }

    public void setLanguage(String tag) {
        settings.set(settings.get().withLanguage(tag));
    }

    public void setTheme(Theme theme) {
        settings.set(settings.get().withTheme(theme));
    }

    public void setFontSize(double size) {
        settings.set(settings.get().withFontSize(size));
    }

    public void setModelsFolder(String folder) {
        settings.set(settings.get().withModelsFolder(folder));
    }

    public void setExactProducts(boolean exact) {
        settings.set(settings.get().withExactProducts(exact));
    }

    public void setRepackWeights(boolean repack) {
        settings.set(settings.get().withRepackWeights(repack));
    }

    public void addRecent(Path model) {
        settings.set(settings.get().withRecent(model.toAbsolutePath().toString()));
    }

    public Path modelsFolder() {
        String f = settings.get().modelsFolder();
        return f.isBlank() ? null : Path.of(f);
    }
}
