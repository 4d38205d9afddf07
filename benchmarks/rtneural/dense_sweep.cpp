// RTNeural's side of StaticNet's batch-1 dense sweep (issue 20): N -> N (ReLU) -> N, one sample per call, for
// N = 64 ... 2048, with RTNeural's compile-time ModelT<float, N, N, DenseT, ReLuActivationT, DenseT> and its run-time
// Model (Dense, ReLuActivation, Dense), Eigen backend. Built by build.sh (g++ -O3 -march=native -DRTNEURAL_USE_EIGEN=1).
//
// Timing as StaticNet's --dense-sweep: this thread's CPU time (CLOCK_THREAD_CPUTIME_ID), rounds of `calls` calls,
// minimum and median per call over the rounds (each after as many untimed calls); every call's first output goes into a checksum that is printed.
// The weights come from the same integer hash as DenseSweepBenchmarks.cs, so both engines compute the same outputs.
//
//   dense_sweep [N ...]   stand-alone: 41 interleaved rounds of ModelT and Model for each N (default all six)
//   dense_sweep --serve   driven by `StaticNet.Benchmarks --dense-sweep` over stdin/stdout, one round at a time, so the
//                         rounds of the two processes interleave:  "setup N" -> "ready N <sum ModelT> <sum Model>",
//                         "round N calls" -> "<µs per call ModelT> <µs per call Model>", "quit".
#include <RTNeural.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace
{
// The weights' generator, shared with DenseSweepBenchmarks.SweepValue: a value in [-1, 1) from (seed, index).
float sweepValue(uint32_t seed, uint32_t index)
{
    uint32_t x = index * 0x9E3779B9u + seed * 0x85EBCA6Bu + 1u;
    x ^= x >> 16;
    x *= 0x7FEB352Du;
    x ^= x >> 15;
    x *= 0x846CA68Bu;
    x ^= x >> 16;
    return (float)((int32_t)(x >> 8) - (1 << 23)) / (float)(1 << 23);
}

double threadCpuMicroseconds()
{
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec * 1e6 + t.tv_nsec * 1e-3;
}

volatile float sink;

struct Engine
{
    virtual ~Engine() = default;
    virtual double checksum() = 0;                  // sum of the outputs of one call on the sweep's input
    virtual void rounds(int calls, double* us) = 0; // us[0] ModelT, us[1] Model: µs per call over `calls` calls
};

template <int N>
struct Sweep final : Engine
{
    using Compiled = RTNeural::ModelT<float, N, N, RTNeural::DenseT<float, N, N>, RTNeural::ReLuActivationT<float, N>,
                                      RTNeural::DenseT<float, N, N>>;
    std::unique_ptr<Compiled> compiled = std::make_unique<Compiled>(); // 2 x 4N(N+1) bytes: on the heap
    RTNeural::Model<float> dynamic { N };
    float* x = static_cast<float*>(std::aligned_alloc(64, sizeof(float) * N));

    Sweep()
    {
        const float scale = 1.0f / (float)std::sqrt((double)N);
        std::vector<std::vector<float>> w1(N, std::vector<float>(N)), w2(N, std::vector<float>(N));
        std::vector<float> b1(N), b2(N);
        for(int o = 0; o < N; ++o)
        {
            for(int i = 0; i < N; ++i)
            {
                w1[o][i] = sweepValue(1, (uint32_t)(o * N + i)) * scale; // PyTorch's [out, in]
                w2[o][i] = sweepValue(3, (uint32_t)(o * N + i)) * scale;
            }
            b1[o] = sweepValue(2, (uint32_t)o) * 0.1f;
            b2[o] = sweepValue(4, (uint32_t)o) * 0.1f;
        }
        for(int i = 0; i < N; ++i)
            x[i] = sweepValue(5, (uint32_t)i);
        compiled->template get<0>().setWeights(w1);
        compiled->template get<0>().setBias(b1.data());
        compiled->template get<2>().setWeights(w2);
        compiled->template get<2>().setBias(b2.data());
        auto* d1 = new RTNeural::Dense<float>(N, N);
        auto* d2 = new RTNeural::Dense<float>(N, N);
        d1->setWeights(w1);
        d1->setBias(b1.data());
        d2->setWeights(w2);
        d2->setBias(b2.data());
        dynamic.addLayer(d1);
        dynamic.addLayer(new RTNeural::ReLuActivation<float>(N));
        dynamic.addLayer(d2);
    }

    ~Sweep() override { std::free(x); }

    double checksum() override
    {
        double a = 0, b = 0;
        compiled->forward(x);
        dynamic.forward(x);
        for(int o = 0; o < N; ++o)
        {
            a += compiled->getOutputs()[o];
            b += dynamic.getOutputs()[o];
        }
        if(std::fabs(a - b) > 1e-3 * (1 + std::fabs(a)))
            std::fprintf(stderr, "N=%d: ModelT and Model disagree (%g, %g)\n", N, a, b);
        return a;
    }

    void rounds(int calls, double* us) override
    {
        // Each model's first `calls` calls of the round are not timed: they bring back the weights the other rows
        // evicted, so the figures are those of back-to-back calls (as in StaticNet's --dense-sweep).
        float sum = 0;
        for(int c = 0; c < calls; ++c)
            sum += compiled->forward(x);
        double t0 = threadCpuMicroseconds();
        for(int c = 0; c < calls; ++c)
            sum += compiled->forward(x);
        us[0] = (threadCpuMicroseconds() - t0) / calls;
        for(int c = 0; c < calls; ++c)
            sum += dynamic.forward(x);
        double t1 = threadCpuMicroseconds();
        for(int c = 0; c < calls; ++c)
            sum += dynamic.forward(x);
        us[1] = (threadCpuMicroseconds() - t1) / calls;
        sink = sink + sum;
    }
};

std::unique_ptr<Engine> make(int n)
{
    switch(n)
    {
    case 64: return std::make_unique<Sweep<64>>();
    case 128: return std::make_unique<Sweep<128>>();
    case 256: return std::make_unique<Sweep<256>>();
    case 512: return std::make_unique<Sweep<512>>();
    case 1024: return std::make_unique<Sweep<1024>>();
    case 2048: return std::make_unique<Sweep<2048>>();
    default: return nullptr;
    }
}

// The calls per round of StaticNet's --dense-sweep.
int callsFor(int n) { return std::max(2, 4000000 / (n * n)); }

int serve()
{
    std::unique_ptr<Engine> engine;
    int current = 0;
    std::string line;
    while(std::getline(std::cin, line))
    {
        std::istringstream in(line);
        std::string command;
        int n = 0, calls = 0;
        in >> command >> n >> calls;
        if(command == "quit")
            break;
        if(command == "setup")
        {
            engine = make(n);
            current = engine ? n : 0;
            if(!engine)
            {
                std::cout << "error expected N = 64, 128, 256, 512, 1024 or 2048, found " << n << std::endl;
                continue;
            }
            double a = engine->checksum();
            std::printf("ready %d %.9g\n", n, a);
            std::fflush(stdout);
        }
        else if(command == "round" && engine && n == current && calls > 0)
        {
            double us[2];
            engine->rounds(calls, us);
            std::printf("%.6f %.6f\n", us[0], us[1]);
            std::fflush(stdout);
        }
        else
        {
            std::cout << "error expected \"setup N\", \"round N calls\" (after setup N) or \"quit\", found \"" << line
                      << "\"" << std::endl;
        }
    }
    std::printf("checksum %g\n", (double)sink);
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    if(argc == 2 && std::strcmp(argv[1], "--serve") == 0)
        return serve();
    std::vector<int> sizes;
    for(int a = 1; a < argc; ++a)
        sizes.push_back(std::atoi(argv[a]));
    if(sizes.empty())
        sizes = { 64, 128, 256, 512, 1024, 2048 };
    const int roundsCount = 41;
    std::printf("RTNeural batch-1 N -> N (ReLU) -> N, thread CPU time, %d interleaved rounds, µs per call\n", roundsCount);
    for(int n : sizes)
    {
        auto engine = make(n);
        if(!engine)
        {
            std::fprintf(stderr, "expected N = 64, 128, 256, 512, 1024 or 2048, found %d\n", n);
            return 1;
        }
        const int calls = callsFor(n);
        double warm[2];
        engine->rounds(calls, warm);
        std::vector<double> a(roundsCount), b(roundsCount);
        for(int r = 0; r < roundsCount; ++r)
        {
            double us[2];
            engine->rounds(calls, us);
            a[r] = us[0];
            b[r] = us[1];
        }
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        std::printf("N=%5d: ModelT %10.2f (median %10.2f)   Model %10.2f (median %10.2f)   sum of outputs %.6g\n", n, a[0],
                    a[roundsCount / 2], b[0], b[roundsCount / 2], engine->checksum());
    }
    std::printf("checksum %g\n", (double)sink);
    return 0;
}
