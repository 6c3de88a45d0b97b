using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;
using ParquetFlow.Tests.Shared;

namespace ParquetFlow.Web.Tests;

/// <summary>
/// The web view as an operator sees it: Debian's chromium, headless, driven through chromedriver against a live
/// <c>pqflow serve --http 127.0.0.1:0</c> fed by <c>pqflow send</c>. Screenshots land in <c>artifacts/web-view/</c>.
/// </summary>
public sealed partial class BrowserTests(ITestOutputHelper output) : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const string ChromeDriverDirectory = "/usr/bin";
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("pqflow-browser-").FullName;
    private readonly List<Process> _processes = [];

    private static string Artifacts { get; } = Directory.CreateDirectory(Path.Combine(BuiltPaths.RepositoryRoot, "artifacts", "web-view")).FullName;

    [GeneratedRegex(@"^listening on 127\.0\.0\.1:(\d+) ")]
    private static partial Regex Collector();

    [GeneratedRegex(@"^listening on (http://127\.0\.0\.1:\d+/) ")]
    private static partial Regex WebView();

    private Process Pqflow(params string[] arguments)
    {
        ProcessStartInfo start = BuiltPaths.Command(BuiltPaths.Built("src/pqflow", "pqflow.dll"), arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        Process process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }

    private async Task SendAsync(int port, int clients, int packets)
    {
        // 65,536 registers from offset 0: packet N of a client writes register K = N + K (pqflow send's pattern).
        Process sender = Pqflow("send", "--port", port.ToString(CultureInfo.InvariantCulture), "--clients", clients.ToString(CultureInfo.InvariantCulture),
            "--packets", packets.ToString(CultureInfo.InvariantCulture), "--registers", "65536");
        Task<string> errors = sender.StandardError.ReadToEndAsync();
        string said = await sender.StandardOutput.ReadToEndAsync().WaitAsync(s_patience);
        await sender.WaitForExitAsync().WaitAsync(s_patience);
        Assert.True(sender.ExitCode == 0, await errors);
        output.WriteLine(said.Trim());
    }

    private ChromeDriver? StartBrowser(out string? why)
    {
        why = null;
        if (!File.Exists(Chromium) || !File.Exists(Path.Combine(ChromeDriverDirectory, "chromedriver")))
        {
            why = $"{Chromium} or {ChromeDriverDirectory}/chromedriver is missing: run scripts/setup.sh (Debian packages chromium, chromium-driver)";
            return null;
        }

        ChromeDriverService service = ChromeDriverService.CreateDefaultService(ChromeDriverDirectory, "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        // --no-sandbox: test machines run as root, where Chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
            "--user-data-dir=" + Path.Combine(_directory, "chromium"));
        try
        {
            return new ChromeDriver(service, options, s_patience);
        }
        catch (WebDriverException e)
        {
            service.Dispose();
            why = "chromium could not start here: " + e.Message.Split('\n')[0];
            return null;
        }
    }

    private static void Screenshot(IWebDriver driver, string name)
    {
        string path = Path.Combine(Artifacts, name);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(path);
        Assert.True(new FileInfo(path).Length > 1000, $"{path} is empty");
    }

    /// <summary>
    /// The rows of a table as the page shows them now, read in one script call: the pages re-render their rows as data
    /// arrives, so elements found one call earlier may be gone. Each row: its data attribute, its class, then its cells.
    /// </summary>
    private static List<string[]> Rows(IWebDriver driver, string table, string attribute) =>
        [.. ((IReadOnlyCollection<object>)((IJavaScriptExecutor)driver).ExecuteScript(
            $"return [...document.querySelectorAll('{table} tbody tr')].map(r => [r.getAttribute('{attribute}'), r.className, ...[...r.cells].map(c => c.textContent)]);")!)
            .Select(row => ((IReadOnlyCollection<object>)row).Select(cell => (string)cell).ToArray())];

    /// <summary>The register table's row of <paramref name="offset"/>: offset, class, hex offset, hex value, decimal value; null when not shown.</summary>
    private static string[]? Row(IWebDriver driver, int offset) =>
        Rows(driver, "#registers", "data-offset").FirstOrDefault(r => r[0] == offset.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task Overview_lists_the_sent_sources_and_the_register_page_shows_highlights_and_filters_live_values()
    {
        Process server = Pqflow("serve", "--port", "0", "--http", "127.0.0.1:0", "--data", Path.Combine(_directory, "data"), "--status-seconds", "60");
        Task<string> serverErrors = server.StandardError.ReadToEndAsync();
        int port = 0;
        string? web = null;
        var seen = new List<string>();
        while ((port == 0 || web is null) && await server.StandardOutput.ReadLineAsync().WaitAsync(s_patience) is { } line)
        {
            seen.Add(line);
            if (Collector().Match(line) is { Success: true } c)
            {
                port = int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture);
            }
            else if (WebView().Match(line) is { Success: true } w)
            {
                web = w.Groups[1].Value;
            }
        }

        Assert.True(port > 0 && web is not null, "pqflow serve did not report both listeners: " + string.Join(" / ", seen));
        Task<string> serverOutput = server.StandardOutput.ReadToEndAsync();
        await SendAsync(port, clients: 3, packets: 1); // RACK:1..3, register K = K

        using ChromeDriver? driver = StartBrowser(out string? why);
        if (driver is null)
        {
            Assert.Skip(why!);
        }

        var wait = new WebDriverWait(driver, s_patience);
        driver.Navigate().GoToUrl(web);
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException));
        wait.Until(d => Rows(d, "#sources", "data-source").Count == 3);
        List<string[]> sources = Rows(driver, "#sources", "data-source");
        Assert.Equal(["RACK:1", "RACK:2", "RACK:3"], sources.Select(r => r[0]));
        Assert.Equal(["RACK:1", "1", "65,536"], [sources[0][2], sources[0][4], sources[0][5]]); // source, frames, registers
        Assert.Equal("3", driver.FindElement(By.CssSelector("[data-total='sources']")).Text);
        Screenshot(driver, "overview.png");

        wait.Until(d =>
        {
            d.FindElement(By.CssSelector("#sources tbody tr[data-source='RACK:1'] a")).Click();
            return true;
        });
        wait.Until(d => d.FindElement(By.Id("status")).GetDomAttribute("data-state") == "live" && Row(d, 0) is not null);
        Assert.Equal("RACK:1", driver.FindElement(By.Id("source")).Text);

        driver.FindElement(By.Id("range")).SendKeys("0x1230-0x123F");
        driver.FindElement(By.Id("apply")).Click();
        wait.Until(d => Row(d, 0) is null && Rows(d, "#registers", "data-offset").Count == 16);
        List<string[]> shown = Rows(driver, "#registers", "data-offset");
        Assert.Equal(Enumerable.Range(0x1230, 16), shown.Select(r => int.Parse(r[0], CultureInfo.InvariantCulture)));
        Assert.Equal(["4660", "", "0x1234", "0x1234", "4660"], Row(driver, 0x1234)!);
        Assert.All(shown, r => Assert.Equal("", r[1])); // nothing changed yet: nothing highlighted

        await SendAsync(port, clients: 1, packets: 2); // RACK:1's last packet writes register K = K + 1
        wait.Until(d => Row(d, 0x1234) is [_, "changed", _, _, "4661"]);
        Assert.Equal(["4660", "changed", "0x1234", "0x1235", "4661"], Row(driver, 0x1234)!);
        Screenshot(driver, "registers.png");

        driver.FindElement(By.Id("range")).Clear();
        driver.FindElement(By.Id("range")).SendKeys("0x2000-0x1000");
        driver.FindElement(By.Id("apply")).Click();
        wait.Until(d => d.FindElement(By.Id("range-error")).Text.Length > 0);
        Assert.Equal(16, Rows(driver, "#registers", "data-offset").Count); // the last good range stays

        using Process kill = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        await server.WaitForExitAsync().WaitAsync(s_patience);
        Assert.True(server.ExitCode == 0, await serverErrors);
        Assert.Contains("stopped:", await serverOutput, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (Process process in _processes)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit();
                }
            }
            catch (InvalidOperationException)
            {
                // already reaped
            }

            process.Dispose();
        }

        Directory.Delete(_directory, recursive: true);
    }
}
