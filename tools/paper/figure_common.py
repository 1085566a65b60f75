"""What the README's what-if figures share (tools/paper/*_plot.py): the time-to-target axis
style and saving a figure to its path (directories created, one line printed)."""
import os


def style_time_to_target(ax, xlabel, title):
    """Labels, grid, legend and title of a 'time to ||grad f||^2 <= 1e-5' axis."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel("simulated time to ||grad f||^2 <= 1e-5 (s)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title)


def save(fig, out):
    fig.tight_layout()
    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}")
