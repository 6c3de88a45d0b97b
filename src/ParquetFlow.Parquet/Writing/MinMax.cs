using System.Numerics;

namespace ParquetFlow.Parquet.Writing;

/// <summary>Vectorized running minimum and maximum for page statistics.</summary>
internal static class MinMax
{
    /// <summary>Folds <paramref name="values"/> into min/max (integers; <paramref name="has"/> says min/max hold a value).</summary>
    public static void Update<N>(ReadOnlySpan<N> values, ref N min, ref N max, ref bool has)
        where N : unmanaged, INumber<N>
    {
        if (values.IsEmpty)
        {
            return;
        }

        int i = 0;
        N lo = has ? min : values[0];
        N hi = has ? max : values[0];
        if (Vector.IsHardwareAccelerated && Vector<N>.IsSupported && values.Length >= 2 * Vector<N>.Count)
        {
            var vmin = new Vector<N>(values);
            Vector<N> vmax = vmin;
            for (i = Vector<N>.Count; i <= values.Length - Vector<N>.Count; i += Vector<N>.Count)
            {
                var v = new Vector<N>(values[i..]);
                vmin = Vector.Min(vmin, v);
                vmax = Vector.Max(vmax, v);
            }

            for (int k = 0; k < Vector<N>.Count; k++)
            {
                lo = N.Min(lo, vmin[k]);
                hi = N.Max(hi, vmax[k]);
            }
        }

        for (; i < values.Length; i++)
        {
            N v = values[i];
            if (v < lo)
            {
                lo = v;
            }

            if (v > hi)
            {
                hi = v;
            }
        }

        min = lo;
        max = hi;
        has = true;
    }

    /// <summary>Floating-point variant: NaN is left out (the format says min/max must not be NaN).</summary>
    public static void UpdateIgnoringNaN<N>(ReadOnlySpan<N> values, ref N min, ref N max, ref bool has)
        where N : unmanaged, IFloatingPointIeee754<N>
    {
        foreach (N v in values)
        {
            if (N.IsNaN(v))
            {
                continue;
            }

            if (!has)
            {
                min = v;
                max = v;
                has = true;
                continue;
            }

            if (v < min || (v == min && N.IsNegative(v)))
            {
                min = v;
            }

            if (v > max || (v == max && N.IsPositive(v)))
            {
                max = v;
            }
        }
    }
}
