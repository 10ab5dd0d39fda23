package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.app.chat.ConversationSettings;
import lucid.app.chat.ConversationStore;
import lucid.app.chat.OverflowPolicy;
import lucid.app.chat.Preset;
import lucid.app.chat.Presets;
import lucid.app.settings.AppSettings;
import lucid.app.settings.SettingsRepository;
import lucid.app.settings.Theme;

/** App settings and user presets survive a restart; presets fill sampling (and personas the system prompt). */
class SettingsAndPresetsTest {

    @TempDir
    Path dir;

    @Test
    void settingsAndUserPresetsArePersisted() {
        try (ConversationStore store = new ConversationStore(dir)) {
            SettingsRepository repo = new SettingsRepository(store);
            assertEquals(AppSettings.defaults(), repo.load());
            repo.save(AppSettings.defaults().withLanguage("zh-CN").withTheme(Theme.NORD_DARK).withFontSize(16)
                    .withRecent("/a.gguf").withRecent("/b.gguf").withRecent("/a.gguf").withExactProducts(true));
            ConversationSettings mine = ConversationSettings.defaults().withSystemPrompt("Be terse.")
                    .withSampling(0.3f, 10, 0.8f, 0.1f, 1.2f, 7, 64, List.of("END"), "mine");
            repo.saveUserPreset(Preset.from("Terse", mine));
        }
        try (ConversationStore store = new ConversationStore(dir)) {
            SettingsRepository repo = new SettingsRepository(store);
            AppSettings s = repo.load();
            assertEquals("zh-CN", s.language());
            assertEquals(Theme.NORD_DARK, s.theme());
            assertEquals(16, s.fontSize());
            assertEquals(List.of("/a.gguf", "/b.gguf"), s.recentModels(), "most recent first, no duplicates");
            assertTrue(s.exactProducts());
            Preset terse = repo.userPresets().getFirst();
            ConversationSettings applied = terse.applyTo(ConversationSettings.defaults());
            assertEquals(0.3f, applied.temperature());
            assertEquals(10, applied.topK());
            assertEquals("Be terse.", applied.systemPrompt());
            assertEquals("Terse", applied.preset());
        }
    }

    @Test
    void settingsSavedBeforeExactArithmeticExistedStillLoad() {
        try (ConversationStore store = new ConversationStore(dir)) {
            store.putSetting(SettingsRepository.APP, "{\"language\":\"zh-CN\",\"theme\":\"NORD_DARK\",\"fontSize\":15.0,"
                    + "\"modelsFolder\":\"\",\"recentModels\":[\"/a.gguf\"]}");
            AppSettings s = new SettingsRepository(store).load();
            assertEquals("zh-CN", s.language(), "the user's choices are kept");
            assertEquals(Theme.NORD_DARK, s.theme());
            assertEquals(List.of("/a.gguf"), s.recentModels());
            assertFalse(s.exactProducts(), "the new setting starts at its default");
            assertTrue(s.repackWeights(), "so does a later one (on)");
        }
    }

    @Test
    void repackingIsSaved() {
        try (ConversationStore store = new ConversationStore(dir)) {
            SettingsRepository repository = new SettingsRepository(store);
            assertTrue(AppSettings.defaults().repackWeights(), "on by default");
            repository.save(AppSettings.defaults().withExactProducts(true).withRepackWeights(false).withLanguage("zh-CN"));
            AppSettings s = repository.load();
            assertFalse(s.repackWeights(), "turned off and saved");
            assertTrue(s.exactProducts());
            assertEquals("zh-CN", s.language());
        }
    }

    @Test
    void builtInPresetsChangeSamplingOnlyAndBadValuesAreRefused() {
        ConversationSettings base = ConversationSettings.defaults().withSystemPrompt("Keep me.")
                .withOverflow(OverflowPolicy.REFUSE).withContextLength(1024);
        ConversationSettings precise = Presets.PRECISE.applyTo(base);
        assertEquals(0.2f, precise.temperature());
        assertEquals("Keep me.", precise.systemPrompt());
        assertEquals(OverflowPolicy.REFUSE, precise.overflow());
        assertEquals(1024, precise.contextLength());
        assertEquals(1.2f, Presets.CREATIVE.applyTo(base).temperature());
        assertThrows(IllegalArgumentException.class, () -> base.withSampling(-1, 40, 0.9f, 0.05f, 1.1f, -1, 10,
                List.of(), ""));
        assertThrows(IllegalArgumentException.class, () -> base.withContextLength(0));
        assertEquals("You tell short, vivid stories for children.",
                Presets.PERSONAS.get(1).applyTo(base).systemPrompt());
    }
}
