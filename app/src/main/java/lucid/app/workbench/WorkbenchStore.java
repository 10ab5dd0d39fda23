package lucid.app.workbench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import lucid.app.chat.ConversationStore;

/**
 * Prompt document versions and test run history, in the chat's SQLite database ({@code lucid.db} in
 * the data folder) on a connection of its own (WAL lets it sit beside the chat's).
 *
 * <pre>
 * workbench_schema(version)                      -- which migrations ran; absent in older databases
 * prompt_versions(id, name, created_at, content) -- content: the document as DocumentYaml
 * workbench_runs(id, name, version_id, created_at, model, passed, total, results JSON)
 * </pre>
 * Migrations only add tables, so a database from before the workbench opens unchanged for the chat.
 */
public final class WorkbenchStore implements AutoCloseable {

    /** One saved version of a document. */
    public record Version(long id, String name, long createdAt, String content) {
        public WorkbenchDocument document() {
            return DocumentYaml.read(content);
        }
    }

    /** One cell of a stored test run: a variant on a test case. */
    public record RunCell(String promptId, int testIndex, boolean passed, String reason, String output, int tokens,
                          double meanLogprob) {
    }

    /** A finished test run, for the history list. */
    public record RunRecord(long id, String name, long versionId, long createdAt, String model, int passed, int total,
                            List<RunCell> cells) {
    }

    private static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE IF NOT EXISTS prompt_versions(
              id INTEGER PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL, content TEXT NOT NULL)""",
            "CREATE INDEX IF NOT EXISTS prompt_versions_by_name ON prompt_versions(name, id)",
            """
            CREATE TABLE IF NOT EXISTS workbench_runs(
              id INTEGER PRIMARY KEY, name TEXT NOT NULL, version_id INTEGER NOT NULL, created_at INTEGER NOT NULL,
              model TEXT NOT NULL, passed INTEGER NOT NULL, total INTEGER NOT NULL, results TEXT NOT NULL)""");

    private final Connection db;
    private final ObjectMapper json = new ObjectMapper();

    public WorkbenchStore(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve(ConversationStore.FILE_NAME));
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("CREATE TABLE IF NOT EXISTS workbench_schema(version INTEGER NOT NULL)");
            }
            migrate();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (SQLException e) {
            throw failure("cannot open the workbench tables in " + dataDir, e);
        }
    }

    /** Which migrations have run (the schema version). */
    public synchronized int schemaVersion() {
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT max(version) FROM workbench_schema")) {
            return r.next() ? r.getInt(1) : 0;
        } catch (SQLException e) {
            throw failure("cannot read the workbench schema version", e);
        }
    }

    private void migrate() throws SQLException {
        int done = schemaVersion();
        if (done >= MIGRATIONS.size()) {
            return;
        }
        db.setAutoCommit(false);
        try (Statement s = db.createStatement()) {
            for (int i = done; i < MIGRATIONS.size(); i++) {
                s.execute(MIGRATIONS.get(i));
            }
            s.execute("DELETE FROM workbench_schema");
            s.execute("INSERT INTO workbench_schema(version) VALUES (" + MIGRATIONS.size() + ")");
            db.commit();
        } catch (SQLException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /**
     * Saves the document as a new version of its name, unless it equals the latest one.
     *
     * @return the new version, or the latest one when nothing changed
     */
    public synchronized Version save(WorkbenchDocument doc) {
        String content = DocumentYaml.write(doc);
        Optional<Version> latest = versions(doc.name()).stream().findFirst();
        if (latest.isPresent() && latest.get().content().equals(content)) {
            return latest.get();
        }
        long now = System.currentTimeMillis();
        try (PreparedStatement p = db.prepareStatement("INSERT INTO prompt_versions(name, created_at, content) VALUES (?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, doc.name());
            p.setLong(2, now);
            p.setString(3, content);
            p.executeUpdate();
            return new Version(generatedId(p), doc.name(), now, content);
        } catch (SQLException e) {
            throw failure("cannot save a prompt version", e);
        }
    }

    /** Versions of one document, newest first. */
    public synchronized List<Version> versions(String name) {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM prompt_versions WHERE name = ? ORDER BY id DESC")) {
            p.setString(1, name);
            List<Version> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    out.add(new Version(r.getLong("id"), r.getString("name"), r.getLong("created_at"), r.getString("content")));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("cannot list prompt versions", e);
        }
    }

    /** Names of saved documents, most recently saved first. */
    public synchronized List<String> names() {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT name FROM prompt_versions GROUP BY name ORDER BY max(id) DESC")) {
            List<String> out = new ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return out;
        } catch (SQLException e) {
            throw failure("cannot list prompt documents", e);
        }
    }

    public synchronized RunRecord saveRun(String name, long versionId, String model, List<RunCell> cells) {
        long now = System.currentTimeMillis();
        int passed = (int) cells.stream().filter(RunCell::passed).count();
        try (PreparedStatement p = db.prepareStatement("INSERT INTO workbench_runs(name, version_id, created_at, model, "
                + "passed, total, results) VALUES (?, ?, ?, ?, ?, ?, ?)", Statement.RETURN_GENERATED_KEYS)) {
            p.setString(1, name);
            p.setLong(2, versionId);
            p.setLong(3, now);
            p.setString(4, model);
            p.setInt(5, passed);
            p.setInt(6, cells.size());
            p.setString(7, json.writeValueAsString(cells));
            p.executeUpdate();
            return new RunRecord(generatedId(p), name, versionId, now, model, passed, cells.size(), List.copyOf(cells));
        } catch (SQLException e) {
            throw failure("cannot save a test run", e);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Test runs of one document, newest first. */
    public synchronized List<RunRecord> runs(String name) {
        try (PreparedStatement p = db.prepareStatement("SELECT * FROM workbench_runs WHERE name = ? ORDER BY id DESC")) {
            p.setString(1, name);
            List<RunRecord> out = new ArrayList<>();
            try (ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    List<RunCell> cells;
                    try {
                        cells = json.readValue(r.getString("results"), new TypeReference<List<RunCell>>() { });
                    } catch (JsonProcessingException e) {
                        cells = List.of(); // a damaged row still lists with its counts
                    }
                    out.add(new RunRecord(r.getLong("id"), name, r.getLong("version_id"), r.getLong("created_at"),
                            r.getString("model"), r.getInt("passed"), r.getInt("total"), cells));
                }
            }
            return out;
        } catch (SQLException e) {
            throw failure("cannot list test runs", e);
        }
    }

    private static IllegalStateException failure(String what, SQLException e) {
        return new IllegalStateException(what + ": " + e.getMessage(), e);
    }

    private static long generatedId(PreparedStatement p) throws SQLException {
        try (ResultSet keys = p.getGeneratedKeys()) {
            keys.next();
            return keys.getLong(1);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw failure("cannot close the workbench tables", e);
        }
    }
}
