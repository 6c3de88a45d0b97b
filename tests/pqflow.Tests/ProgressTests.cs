using Microsoft.Extensions.Time.Testing;

namespace ParquetFlow.Cli.Tests;

/// <summary>The one progress reporter: a redrawn bar on a terminal, rate-limited plain lines when redirected.</summary>
public sealed class ProgressTests
{
    [Fact]
    public void Redirected_it_writes_plain_lines_at_most_every_interval()
    {
        var clock = new FakeTimeProvider();
        var output = new StringWriter();
        using (var progress = new Progress("replay", output, terminal: false, clock))
        {
            clock.Advance(Progress.Delay);
            progress.Report(1, 10, "1 frame");
            progress.Report(2, 10, "2 frames"); // too soon: not written
            clock.Advance(Progress.PlainInterval);
            progress.Report(5, 10, "5 frames");
            clock.Advance(Progress.PlainInterval);
            progress.Report(7, null, "7 frames");
        }

        Assert.Equal("replay: 10% 1 frame\nreplay: 50% 5 frames\nreplay: 7 frames\n", output.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public void On_a_terminal_it_redraws_one_line_with_a_bar_and_ends_it()
    {
        var clock = new FakeTimeProvider();
        var output = new StringWriter();
        using (var progress = new Progress("demo", output, terminal: true, clock))
        {
            clock.Advance(Progress.Delay);
            progress.Report(0, 4, "starting");
            clock.Advance(TimeSpan.FromSeconds(1));
            progress.Report(2, 4, "half");
        }

        string text = output.ToString();
        Assert.Equal(2, text.Count(c => c == '\r'));
        Assert.Contains("\rdemo [############............]  50% half", text, StringComparison.Ordinal);
        Assert.EndsWith(Environment.NewLine, text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_done_within_the_first_second_shows_no_progress()
    {
        var clock = new FakeTimeProvider();
        var output = new StringWriter();
        using (var progress = new Progress("recover", output, terminal: true, clock))
        {
            progress.Report(1, 2, "1 of 2 MiB checked");
            clock.Advance(Progress.Delay / 2);
            progress.Counter(2, n => $"{n} of 2 MiB checked").Report(2);
        }

        Assert.Equal(string.Empty, output.ToString());
    }
}
