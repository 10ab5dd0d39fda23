package lucid.tests.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import lucid.app.chat.ChatViewModel;
import lucid.app.chat.ConversationStore;
import lucid.app.chat.ConversationTree;
import lucid.app.chat.Role;
import lucid.app.chat.StoredMessage;
import lucid.engine.gguf.SharedFixtures;

/**
 * Kills the app (a child JVM, as {@code lucid --send} runs it) in the middle of a streaming reply and
 * checks that the database is intact and holds the reply up to its last batched save.
 */
class CrashSafetyTest {

    @TempDir
    Path dataDir;

    @Test
    void killingTheAppMidReplyKeepsTheDatabaseAndThePartialReply() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xss4m", "-Dglass.platform=Headless", "-Dprism.order=sw",
                "-cp", System.getProperty("java.class.path"), "lucid.app.Main",
                "--data-dir", dataDir.toString(),
                "--model", SharedFixtures.file("models/stories260k.gguf").toString(),
                "--send", "Once upon a time"));
        Process app = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("app.log").toFile()).start();
        String seen = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (System.nanoTime() < deadline && app.isAlive()) {
                Thread.sleep(50);
                String partial = unfinishedReply();
                if (partial != null && !partial.isEmpty()) {
                    seen = partial;
                    break;
                }
            }
            if (seen == null) {
                fail("no partial reply was saved while the app ran; log:\n" + Files.readString(dataDir.resolve("app.log")));
            }
        } finally {
            app.destroyForcibly(); // SIGKILL: no shutdown hook, no close
            app.waitFor(10, TimeUnit.SECONDS);
        }
        assertFalse(app.isAlive());

        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(ConversationStore.FILE_NAME));
             Statement s = db.createStatement(); ResultSet r = s.executeQuery("PRAGMA integrity_check")) {
            r.next();
            assertEquals("ok", r.getString(1));
        }
        try (ConversationStore store = new ConversationStore(dataDir)) {
            var conversations = store.conversations("");
            assertEquals(1, conversations.size());
            ConversationTree tree = new ConversationTree(store.messages(conversations.getFirst().id()));
            List<StoredMessage> path = tree.path(conversations.getFirst().activeLeaf());
            assertEquals(2, path.size());
            assertEquals(Role.USER, path.get(0).role());
            assertEquals("Once upon a time", path.get(0).content());
            StoredMessage reply = path.get(1);
            assertFalse(reply.complete(), "the reply was cut by the kill");
            assertTrue(reply.content().startsWith(seen), "saved text only grows: " + reply.content());
            assertTrue(reply.content().length() >= seen.length());
        }
        assertTrue(ChatViewModel.SAVE_INTERVAL_MILLIS <= 1000, "at most a second of text is at risk");
    }

    /** The streaming reply's saved text, read like any other reader of the database would. */
    private String unfinishedReply() {
        Path file = dataDir.resolve(ConversationStore.FILE_NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT content FROM messages WHERE role = 'assistant' AND complete = 0")) {
            return r.next() ? r.getString(1) : null;
        } catch (java.sql.SQLException e) {
            return null; // the app is still creating the tables
        }
    }
}
