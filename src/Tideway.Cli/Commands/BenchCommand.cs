using System.CommandLine;
using Tideway.Cli.Bench;

namespace Tideway.Cli.Commands;

/// <summary><c>tideway bench patterns|sqs|events|invoke</c>: whole-system figures measured by the project itself.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "The bench-data folder (default: ../shared/bench-data beside the repository)" };
        var passes = new Option<int>("--passes") { Description = "Timed passes per row (the best is reported)", DefaultValueFactory = _ => 3 };
        var only = new Option<string?>("--category") { Description = "Run one category or combo only (for profiling)" };
        var patterns = new Command("patterns", "The CL2 pattern-matching benchmark over the citylots2 corpus, checked against event-ruler's match counts.")
        {
            data,
            passes,
            only,
        };
        patterns.SetAction(parse =>
        {
            var directory = parse.GetValue(data) ?? Cl2Corpus.DefaultDirectory();
            var corpus = Cl2Corpus.Load(directory);
            return new PatternBench(corpus, Console.Out, Math.Max(1, parse.GetValue(passes)), parse.GetValue(only)).Run();
        });
        var seconds = new Option<int>("--seconds") { Description = "Seconds per phase", DefaultValueFactory = _ => 10 };
        var producers = new Option<int>("--producers") { Description = "Concurrent producers (a consumer makes two requests per batch, so the defaults give it more workers)", DefaultValueFactory = _ => 6 };
        var consumers = new Option<int>("--consumers") { Description = "Concurrent consumers", DefaultValueFactory = _ => 10 };
        var size = new Option<int>("--message-bytes") { Description = "Bytes per message body", DefaultValueFactory = _ => 256 };
        var moto = new Option<bool>("--moto") { Description = "Also run the load against moto_server (moto 5.2 from the machine's python)" };
        var memory = new Option<bool>("--in-memory") { Description = "Run the server with the in-memory store (not durable; shows the storage share)" };
        var redrive = new Option<bool>("--redrive") { Description = "Give the end-to-end queue a dead-letter queue (maxReceiveCount 5), so every receive is written" };
        var sqs = new Command("sqs", "SQS over loopback HTTP: batched sends, end-to-end send/receive/delete, the echo ceiling, idle long polls; server CPU and memory.")
        {
            seconds, producers, consumers, size, moto, memory, redrive,
        };
        sqs.SetAction(async (parse, _) => await new SqsBench(Console.Out, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(producers),
            parse.GetValue(consumers), parse.GetValue(size), parse.GetValue(moto), parse.GetValue(memory), parse.GetValue(redrive)).RunAsync().ConfigureAwait(false));
        var eventWorkers = new Option<int>("--producers") { Description = "Concurrent PutEvents producers", DefaultValueFactory = _ => 16 };
        var exact = new Option<bool>("--exact-decoys") { Description = "Decoy rules test exact values only (no prefix or numeric-range rules)" };
        var events = new Command("events", "EventBridge over loopback HTTP: PutEvents (10 x ~1 KB) into a bus whose rule routes to an SQS queue; 10 and 1,000 rules; latency at 5,000 events/s.")
        {
            seconds, eventWorkers, moto, exact,
        };
        events.SetAction(async (parse, _) => await new EventsBench(Console.Out, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(eventWorkers), parse.GetValue(moto), parse.GetValue(exact)).RunAsync().ConfigureAwait(false));
        var callers = new Option<int>("--callers") { Description = "Concurrent callers in the throughput phase", DefaultValueFactory = _ => 8 };
        var invoke = new Command("invoke", "Lambda over loopback HTTP: cold starts per runtime (provided, Node.js, Python), warm invoke latency and the server's share of it, warm throughput across environments.")
        {
            seconds, callers,
        };
        invoke.SetAction(async (parse, _) => await new InvokeBench(Console.Out, TimeSpan.FromSeconds(parse.GetValue(seconds)), parse.GetValue(callers)).RunAsync().ConfigureAwait(false));
        var echo = new Command("echo-server", "The trivial endpoint bench sqs measures its ceiling against.") { Hidden = true };
        echo.SetAction(async (_, _) => await EchoServer.RunAsync().ConfigureAwait(false));
        return new Command("bench", "Benchmarks of the whole system.") { patterns, sqs, events, invoke, echo };
    }
}
