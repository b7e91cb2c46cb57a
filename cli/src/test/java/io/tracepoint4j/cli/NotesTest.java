package io.tracepoint4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the tool's work in the target has to say about tracepoints defined after it started (one
 * its filter does not fit, one whose hook refuses the probe) reaches the tool, which prints it on
 * its stderr, and nothing is printed on the target's console (docs/design/control-channel.md:
 * "Print nothing in the target"). Before, the target logged these warnings on its own stderr and
 * the tool never knew.
 */
class NotesTest {
    private static void tell(Process target, String line) throws Exception {
        OutputStream in = target.getOutputStream();
        in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        in.flush();
        assertThat(TargetProcesses.firstLine(target)).isEqualTo("done");
    }

    @Test
    void statAndRecordSayWhatTheTargetLeftOutAndTheTargetPrintsNothing(@TempDir Path dir) throws Exception {
        Process target = TargetProcesses.start(NotesTarget.class);
        String printed;
        TpCommand stat;
        TpCommand record;
        try {
            assertThat(TargetProcesses.firstLine(target)).isEqualTo("ready");
            String pid = Long.toString(target.pid());
            TpCommand.Running counting = TpCommand.start(
                    "counting", "stat", "--pid", pid, "-e", "notes:*", "--filter", "n >= 0", "--duration", "2");
            tell(target, "other stat");
            tell(target, "hooked stat");
            stat = counting.end();
            TpCommand.Running recording = TpCommand.start(
                    "recording",
                    "record",
                    "--pid",
                    pid,
                    "-e",
                    "notes:ready,notes:*_record", // not the stat's: the filter does not fit notes:other_stat
                    "--filter",
                    "n >= 0",
                    "--duration",
                    "2",
                    "-o",
                    dir.resolve("trace"));
            tell(target, "other record");
            tell(target, "hooked record");
            record = recording.end();
        } finally {
            printed = TargetProcesses.stop(target);
        }
        assertThat(stat.status()).as(stat.err()).isZero();
        assertThat(stat.err())
                .contains("tp stat: PID " + target.pid() + ": tp stat counting notes:* leaves out notes:other_stat,"
                        + " defined after it started: ")
                .contains("tp stat: PID " + target.pid() + ": tp stat cannot count notes:hooked_stat, defined after"
                        + " it started: not now");
        assertThat(record.status()).as(record.err()).isZero();
        String session = "tp record: PID " + target.pid() + ": session tp-" + target.pid() + "-\\d+";
        assertThat(record.err())
                .containsPattern(session + " does not record notes:other_record: ")
                .containsPattern(session + " does not record notes:hooked_record: its probe was refused: not now");
        assertThat(printed).as("what the target printed on its console").isEmpty();
    }

    /**
     * A command tp started that is over within tp's first second: its notes come with its last
     * words, and tp prints them. They used to be lost: tp asks for notes once a second.
     */
    @Test
    void aCommandShorterThanASecondHasItsNotesSaid(@TempDir Path dir) {
        TpCommand record = TpCommand.run(TargetProcesses.startingCommand(
                QuickNotesTarget.class, "record", "-e", "quick:*", "--filter", "n >= 0", "-o", dir.resolve("quick")));
        assertThat(record.status()).as(record.err()).isZero();
        assertThat(record.err())
                .containsPattern("tp record: PID \\d+: session tp-\\d+-\\d+ does not record quick:other: ");
    }
}
