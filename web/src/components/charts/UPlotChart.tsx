/**
 * A uPlot chart that fills its container's width. uPlot is small (~50 KB, no
 * dependencies), draws on canvas, and is maintained; it is loaded only with the
 * progress screen's chunk.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export function UPlotChart({ options, data, label }: { options: Omit<uPlot.Options, 'width'>; data: uPlot.AlignedData; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const width = () => Math.max(200, el.clientWidth);
    const plot = new uPlot({ ...options, width: width() } as uPlot.Options, data, el);
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => plot.setSize({ width: width(), height: options.height })) : null;
    ro?.observe(el);
    return () => {
      ro?.disconnect();
      plot.destroy();
    };
  }, [options, data]);
  return <div ref={ref} className="uplot-wrap" role="img" aria-label={label} />;
}
