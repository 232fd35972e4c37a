"""Cells that `grade release` appends to exercise 5's notebook, after the exercise's own (grader/release/notebook.py,
extra_cells: "percent" format). They train the network on the digits a student has and plot how it learns.
The code runs only in Jupyter (`__name__ == "__main__"`): when the notebook is graded it is skipped."""

# %% [markdown]
# ## Watch it learn
#
# Once `lenet_backward`, `sgd_step` and `train` pass their checks, train the network on the 4,000 handwritten
# digits that come with the course (`reference/digits.py`): 3,500 to learn from and 500 kept aside to see how
# well it does on digits it has not learned from. Three epochs take about 5 to 30 seconds, depending on your
# code and computer. The plots need matplotlib: `pip install ".[notebook]"` in the course folder.
#
# Your instructor grades `train` the same way (3 epochs, lr 0.05, batch 32, from `init_params(seed)`) and then
# measures the accuracy on 1,000 other digits: it should be at least 0.90.

# %%
if __name__ == "__main__":  # in Jupyter; the grader skips this cell's work
    import time

    from reference.digits import load_digits

    digits, labels = load_digits()
    x_train, y_train, x_val, y_val = digits[:3500], labels[:3500], digits[3500:], labels[3500:]
    start = time.perf_counter()
    try:
        trained, history = train(x_train, y_train, init_params(0), epochs=3, lr=0.05, batch_size=32, seed=0)
    except NotImplementedError as exc:  # Run All on an unfinished notebook: say so, and go on to the check
        trained = history = None
        print(f"not trained yet: {exc}")
    if history is not None:
        print(f"trained in {time.perf_counter() - start:.1f} s; per epoch: loss "
              f"{[round(v, 3) for v in history['loss']]}, training accuracy "
              f"{[round(v, 3) for v in history['accuracy']]}")
        print(f"accuracy on the 500 digits kept aside: {accuracy(trained, x_val, y_val):.3f}")

# %% [markdown]
# The learning curve: the loss of every mini-batch (it should fall fast, then slowly), and the loss and
# accuracy of each epoch. Below it, the first 24 digits kept aside with the network's answers (red: wrong).

# %%
if __name__ == "__main__":
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
        print('matplotlib is not installed: pip install ".[notebook]" for the plots')
    if plt is not None and history is not None:
        steps = np.arange(1, len(history["step_loss"]) + 1)
        per_epoch = len(steps) // len(history["loss"])
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.5))
        left.plot(steps, history["step_loss"], lw=0.6, label="each batch")
        left.plot(per_epoch * np.arange(1, len(history["loss"]) + 1), history["loss"], "o-", label="epoch mean")
        left.set(xlabel="step (batch)", ylabel="loss", title="loss")
        left.legend()
        right.plot(np.arange(1, len(history["accuracy"]) + 1), history["accuracy"], "o-")
        right.set(xlabel="epoch", ylabel="fraction right", title="training accuracy", ylim=(0, 1))
        plt.show()
        guesses = forward(x_val[:24], trained)[0].argmax(axis=1)
        fig, axes = plt.subplots(3, 8, figsize=(11, 4.5))
        for ax, image, label, guess in zip(axes.flat, x_val[:24, 0], y_val[:24], guesses):
            ax.imshow(image, cmap="gray_r")
            ax.set_title(f"{guess} (is {label})", color="black" if guess == label else "red", fontsize=9)
            ax.axis("off")
        plt.show()
