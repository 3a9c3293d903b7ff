using Shouldly;

namespace Tideway.Logs.Tests;

public sealed class TestMetricFilterTests
{
    [Fact]
    public void reports_matching_messages_with_their_positions()
    {
        var response = LogsEngine.TestMetricFilter(new TestMetricFilterRequest("ERROR", ["INFO a", "ERROR b", "ERROR c"]));
        response.Matches.Select(m => (m.EventNumber, m.EventMessage)).ShouldBe([(2L, "ERROR b"), (3L, "ERROR c")]);
        response.Matches[0].ExtractedValues.ShouldBeEmpty();
    }

    [Fact]
    public void reports_extracted_fields_of_a_space_delimited_pattern()
    {
        var response = LogsEngine.TestMetricFilter(new TestMetricFilterRequest("[ip, status = 404, bytes]", ["1.2.3.4 404 10", "1.2.3.4 200 10"]));
        var match = response.Matches.ShouldHaveSingleItem();
        match.ExtractedValues.ShouldBe(new Dictionary<string, string> { ["$ip"] = "1.2.3.4", ["$status"] = "404", ["$bytes"] = "10" }, ignoreOrder: true);
    }

    [Fact]
    public void validates_the_messages()
    {
        Should.Throw<Tideway.Primitives.ServiceException>(() => LogsEngine.TestMetricFilter(new TestMetricFilterRequest("x", []))).Code
            .ShouldBe("InvalidParameterException");
        Should.Throw<Tideway.Primitives.ServiceException>(() => LogsEngine.TestMetricFilter(new TestMetricFilterRequest("x", [.. Enumerable.Repeat("m", 51)]))).Code
            .ShouldBe("InvalidParameterException");
        Should.Throw<Tideway.Primitives.ServiceException>(() => LogsEngine.TestMetricFilter(new TestMetricFilterRequest("a@b", ["m"]))).Message
            .ShouldBe("Invalid filter pattern");
    }
}
