using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Tideway.Benchmarks.Cl2Benchmarks).Assembly).Run(args);
