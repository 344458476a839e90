"""The main job (`make demo`, `autograd-lite demo`): the course's examples, end to end.

Each section is one function that prints its part; ``run`` calls them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import autograd_lite as ag


def sigmoid_neuron() -> tuple[ag.Tensor, dict[str, ag.Tensor]]:
    """The lecture's neuron f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) at w=(2,-3,-3), x=(-1,-2)."""
    v = {
        name: ag.Tensor(value, requires_grad=True, name=name)
        for name, value in [("w0", 2.0), ("x0", -1.0), ("w1", -3.0), ("x1", -2.0), ("w2", -3.0)]
    }
    f = 1 / (1 + ag.exp(-(v["w0"] * v["x0"] + v["w1"] * v["x1"] + v["w2"])))
    f.name = "f"
    return f, v


def section_neuron() -> None:
    print("== The sigmoid neuron: f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))) ==")
    f, v = sigmoid_neuron()
    f.backward()
    print(f"f = {f.item():.4f}")
    for name, t in v.items():
        assert t.grad is not None  # f depends on every input
        print(f"  df/d{name:<3}= {t.grad.item():+.4f}")
    print()


def section_graph(out_dir: str | Path = ".") -> Path | None:
    """Draw the neuron's graph with values and gradients, explain its backward pass, check it."""
    print("== The neuron's graph, its backward pass edge by edge, and a gradient check ==")
    f, v = sigmoid_neuron()
    f.backward(retain_grads=True)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    path = Path(out_dir) / "neuron_graph.svg"
    drawn: Path | None = path
    try:
        ag.save_graph(f, path, edge_grads=True)
        print(f"drawing: {path}  (renderer: {ag.find_renderer().kind})")
    except ag.RendererNotFound as e:
        print(f"drawing skipped: {e}")
        drawn = None
    print(ag.explain(f))
    neuron = lambda w0, x0, w1, x1, w2: 1 / (1 + ag.exp(-(w0 * x0 + w1 * x1 + w2)))
    print(ag.gradcheck(neuron, *v.values()))
    print()
    return drawn


def section_training(out_dir: str | Path = ".") -> None:
    """Train the lecture's two-layer network on the 3-class spiral, then gradient-check it."""
    import time

    from autograd_lite import data, losses, nn, optim, train

    print("== Training: a two-layer network on the 3-class spiral (softmax loss + L2) ==")
    X, y = data.spiral(100, classes=3, seed=0)
    X_tr, X_val, y_tr, y_val = data.train_val_split(X, y, val_fraction=0.2, seed=0)
    print(f"spiral: {len(X_tr)} training and {len(X_val)} validation points, 3 classes")

    linear = nn.Linear(2, 3, rng=0)
    train.fit(linear, losses.cross_entropy, optim.Adam(linear, lr=1e-2), X_tr, y_tr, epochs=100, seed=0, progress=False)
    print(
        f"linear softmax classifier:  train {train.accuracy(train.predict(linear, X_tr), y_tr):.1%}"
        f"  val {train.accuracy(train.predict(linear, X_val), y_val):.1%}  (the spiral is not linearly separable)"
    )

    model = nn.MLP([2, 100, 3], activation="relu", rng=0)  # Linear(2, 100), ReLU, Linear(100, 3)
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    lam = 5e-4  # L2 strength: loss = mean cross-entropy + lam * sum W^2 over the weights
    loss0, expected = train.initial_loss_check(model, losses.cross_entropy, X_tr, y_tr)
    print(f"initial loss {loss0:.3f} (chance: ln 3 = {expected:.3f}; He init: scores not tiny, a bit above)")
    opt = optim.Adam(model, lr=1e-2)
    epochs = 300
    start = time.perf_counter()
    hist = train.fit(
        model, losses.cross_entropy, opt, X_tr, y_tr, epochs=epochs, batch_size=32, val=(X_val, y_val),
        regularization=lambda: lam * losses.l2_penalty(weights), scheduler=optim.CosineAnnealingLR(opt, epochs, 1e-3),
        seed=0, desc="two-layer net",
    )  # fmt: skip
    print(
        f"two-layer network (100 ReLU units, Adam, cosine lr):  train {hist.train_acc[-1]:.1%}"
        f"  val {hist.val_acc[-1]:.1%}  ({time.perf_counter() - start:.1f}s, final loss {hist.loss[-1]:.3f})"
    )
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    path = Path(out_dir) / "spiral_net.npz"
    model.save(path)
    print(f"saved the trained parameters to {path}")

    print("gradient check of every parameter tensor (sparse: 10 random entries each, float64):")

    def full_loss() -> ag.Tensor:
        return losses.cross_entropy(model(X_tr), y_tr) + lam * losses.l2_penalty(weights)

    report = ag.gradcheck(full_loss, params=model.named_parameters(), sparse=10, seed=0)
    print(report)
    print()


def section_digits(out_dir: str | Path = ".") -> Path | None:
    """Real images: a linear softmax classifier and a two-layer network on the 8x8 digits that
    ship with the package; draws the network's loss curve when matplotlib is installed."""
    import time

    from autograd_lite import data, losses, nn, optim, train

    print("== Real images: the handwritten digits (8x8 pixels, 10 classes) ==")
    X_tr, y_tr = data.digits("train")
    X_val, y_val = data.digits("val")
    pre = data.Standardize().fit(X_tr)  # pixel statistics from the training images only
    X_tr, X_val = pre.transform(X_tr), pre.transform(X_val)
    print(f"digits: {len(X_tr)} training and {len(X_val)} validation images, standardized (test split held out)")
    epochs = 20

    def fit(model: nn.Module, lr: float, loss_fn: Callable[..., ag.Tensor] = losses.cross_entropy) -> train.History:
        return train.fit(model, loss_fn, optim.Adam(model, lr=lr), X_tr, y_tr, epochs=epochs, batch_size=64,
                         val=(X_val, y_val), seed=0, progress=False)  # fmt: skip

    def accuracies(hist: train.History) -> str:
        return f"train {hist.train_acc[-1]:.1%}  val {hist.val_acc[-1]:.1%}"

    linear_hist = fit(nn.Linear(64, 10, rng=0), lr=1e-2)
    print(f"linear softmax classifier (64 -> 10, Adam, {epochs} epochs):  {accuracies(linear_hist)}")

    minibatch_losses: list[float] = []

    def recorded_loss(scores: ag.Tensor, y: object) -> ag.Tensor:
        loss = losses.cross_entropy(scores, y)
        if loss.requires_grad:  # a training step (fit also scores the validation set, without a graph)
            minibatch_losses.append(loss.item())
        return loss

    start = time.perf_counter()
    net_hist = fit(nn.MLP([64, 100, 10], activation="relu", rng=0), lr=3e-3, loss_fn=recorded_loss)
    print(
        f"two-layer network (64 -> 100 ReLU -> 10, Adam, {epochs} epochs):  {accuracies(net_hist)}"
        f"  ({time.perf_counter() - start:.1f}s)"
    )
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    path = Path(out_dir) / "digits_loss_curve.png"
    try:
        per_epoch = len(minibatch_losses) // epochs  # the moving average's window: one epoch
        fig = ag.plot.loss_curve(minibatch_losses, window=per_epoch, val_losses=net_hist.val_loss, log=True)
    except ImportError as e:  # matplotlib is an optional extra
        print(f"loss curve skipped: {e}")
        return None
    import matplotlib.pyplot as plt

    fig.axes[0].set_title("digits: the two-layer network's training and validation loss", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print(f"loss curve: {path}  (every minibatch loss of the network, and the validation loss after each epoch)")
    return path


def run(out_dir: str | Path = ".") -> None:
    """Run every section of the demo; files it writes go to ``out_dir``."""
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    section_neuron()
    section_graph(out_dir)
    section_training(out_dir)
    section_digits(out_dir)
