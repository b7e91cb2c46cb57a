package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tracepoint4j.ctf.CtfEvent;
import io.tracepoint4j.ctf.CtfReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket's fields end to end (the tool's ControlSocket and the tracer's ControlServer
 * escape and unescape them, mirrored): a filter written over several lines, or with a tab, and a
 * folder whose name holds a line break and a tab, reach the target whole. Before, a line break
 * split the request, the target recorded every firing under an empty filter, and the tool read
 * "unknown request" answers for its later requests. BriefTarget fires brief:tock with n = 0..999.
 */
class ControlFieldsTest {
    private static Object[] command(Object... tp) {
        return TargetProcesses.startingCommand(BriefTarget.class, tp);
    }

    @Test
    void aFilterOverSeveralLinesCountsWhatItSays() {
        TpCommand stat = TpCommand.run(command("stat", "-e", "brief:tock", "--filter", "n >= 100\n&& n < 200"));
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.out()).containsPattern(" +100 +[0-9,.]+  brief:tock");
    }

    @Test
    void aFilterWithATabMeasuresWhatItSays() {
        TpCommand hist = TpCommand.run(command("hist", "-e", "brief:tock", "--field", "n", "--filter", "n\t< 50"));
        assertThat(hist.status()).as(hist.err()).isZero();
        assertThat(hist.out()).contains("count 50  min 0  max 49");
    }

    @Test
    void aFolderWithALineBreakAndATabHoldsTheFilteredTrace(@TempDir Path dir) throws Exception {
        Path folder = dir.resolve("line\nbreak\tand tab");
        TpCommand record =
                TpCommand.run(command("record", "-e", "brief:tock", "--filter", "n < 10\r\n|| n >= 990", "-o", folder));
        assertThat(record.status()).as(record.err()).isZero();
        assertThat(Files.isDirectory(folder)).isTrue();
        List<Long> values = new ArrayList<>();
        try (CtfReader reader = CtfReader.open(folder)) {
            for (CtfEvent event : reader) {
                if (event.name().equals("brief:tock")) {
                    values.add((Long) event.fields().get("n"));
                }
            }
        }
        assertThat(values).hasSize(20).startsWith(0L, 1L).endsWith(998L, 999L);
        assertThat(record.out().lines().toList().getLast()).isEqualTo("events recorded: 20, lost: 0");
    }
}
