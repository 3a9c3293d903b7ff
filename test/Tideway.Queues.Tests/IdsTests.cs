using Shouldly;
using Tideway.Primitives;

namespace Tideway.Queues.Tests;

/// <summary>The random identifiers behind message, event and request ids.</summary>
public sealed class IdsTests
{
    [Fact]
    public void ids_are_version_4_with_the_rfc_variant_and_distinct_across_buffer_refills()
    {
        var seen = new HashSet<Guid>();
        // 256 identifiers per buffer: this crosses about forty refills.
        for (var i = 0; i < 10_000; i++)
        {
            var id = Ids.NewGuid();
            var text = id.ToString();
            text[14].ShouldBe('4', text);
            "89ab".ShouldContain(text[19], text);
            seen.Add(id).ShouldBeTrue(text);
        }
    }

    [Fact]
    public void threads_draw_different_identifiers()
    {
        var ids = new System.Collections.Concurrent.ConcurrentBag<Guid>();
        Parallel.For(0, 8, _ =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                ids.Add(Ids.NewGuid());
            }
        });
        ids.Distinct().Count().ShouldBe(8_000);
    }

    [Fact]
    public void the_text_form_is_the_usual_one()
    {
        Guid.TryParseExact(Ids.NewId(), "D", out _).ShouldBeTrue();
    }
}
