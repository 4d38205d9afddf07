namespace GameAgent;

/// <summary>
/// A seeded xoshiro128** generator: a struct with no allocation and the same sequence on every runtime and machine
/// (System.Random's seeded sequence is only promised to stay the same within one .NET version).
/// </summary>
public struct Rng
{
    private uint _s0, _s1, _s2, _s3;

    /// <summary>Seeds the four words from <paramref name="seed"/> with SplitMix32.</summary>
    public Rng(int seed)
    {
        uint x = (uint)seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
    }

    private static uint SplitMix(ref uint x)
    {
        uint z = x += 0x9E3779B9u;
        z = (z ^ (z >> 16)) * 0x85EBCA6Bu;
        z = (z ^ (z >> 13)) * 0xC2B2AE35u;
        return z ^ (z >> 16);
    }

    /// <summary>The next 32 random bits.</summary>
    public uint NextUInt()
    {
        uint result = System.Numerics.BitOperations.RotateLeft(_s1 * 5, 7) * 9;
        uint t = _s1 << 9;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = System.Numerics.BitOperations.RotateLeft(_s3, 11);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt() >> 8) * (1.0 / (1 << 24));

    /// <summary>A uniform integer in [0, <paramref name="bound"/>) (Lemire's multiply-shift; bias below 2⁻³² · bound).</summary>
    public int Next(int bound) => (int)(((ulong)NextUInt() * (uint)bound) >> 32);
}
