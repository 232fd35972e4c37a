"""Modelled on: from-scratch networks whose backward functions take the cached activation a but are handed z
(sigmoid_backward computing s*(1-s) with s = z), and LeNet ports that differentiate 1.7159*tanh(2z/3) as
1.7159*(1 - tanh(2z/3)^2) (chain rule's 2/3 forgotten). Mistakes: sigmoid formula applied to z; lenet_tanh
missing 2/3; tanh and relu right."""
import numpy as np


def activation_backward(da, z, activation):
    if activation == "sigmoid":
        s = z
        return da * s * (1 - s)
    if activation == "tanh":
        t = np.tanh(z)
        return da * (1 - t * t)
    if activation == "relu":
        dz = np.array(da, copy=True)
        dz[z <= 0] = 0
        return dz
    return da * 1.7159 * (1 - np.tanh(2.0 / 3.0 * z) ** 2)
