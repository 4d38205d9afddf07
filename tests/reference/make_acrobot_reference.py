"""Reference trajectories for samples/GameAgent/Acrobot.cs (tests/StaticNet.Tests/Samples/AcrobotTests.cs).

A line-by-line NumPy transcription of Gymnasium's gymnasium/envs/classic_control/acrobot.py (Acrobot-v1,
book_or_nips = "book", torque_noise_max = 0): _dsdt, rk4 over [0, dt], wrap, bound, the terminal test and the
reward. Gymnasium itself is not installed here, so this file is the independent reading of the published code the
C# port is checked against. Prints the C# rows the test embeds:

    /usr/bin/python3 tests/reference/make_acrobot_reference.py
"""
import numpy as np
from numpy import cos, pi, sin

dt = 0.2
LINK_LENGTH_1 = 1.0
LINK_LENGTH_2 = 1.0
LINK_MASS_1 = 1.0
LINK_MASS_2 = 1.0
LINK_COM_POS_1 = 0.5
LINK_COM_POS_2 = 0.5
LINK_MOI = 1.0
MAX_VEL_1 = 4 * pi
MAX_VEL_2 = 9 * pi
AVAIL_TORQUE = [-1.0, 0.0, +1]


def _dsdt(s_augmented):
    m1 = LINK_MASS_1
    m2 = LINK_MASS_2
    l1 = LINK_LENGTH_1
    lc1 = LINK_COM_POS_1
    lc2 = LINK_COM_POS_2
    I1 = LINK_MOI
    I2 = LINK_MOI
    g = 9.8
    a = s_augmented[-1]
    s = s_augmented[:-1]
    theta1 = s[0]
    theta2 = s[1]
    dtheta1 = s[2]
    dtheta2 = s[3]
    d1 = m1 * lc1**2 + m2 * (l1**2 + lc2**2 + 2 * l1 * lc2 * cos(theta2)) + I1 + I2
    d2 = m2 * (lc2**2 + l1 * lc2 * cos(theta2)) + I2
    phi2 = m2 * lc2 * g * cos(theta1 + theta2 - pi / 2.0)
    phi1 = (
        -m2 * l1 * lc2 * dtheta2**2 * sin(theta2)
        - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
        + (m1 * lc1 + m2 * l1) * g * cos(theta1 - pi / 2)
        + phi2
    )
    # the "book" variant
    ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * dtheta1**2 * sin(theta2) - phi2) / (m2 * lc2**2 + I2 - d2**2 / d1)
    ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
    return dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0


def rk4(derivs, y0, t):
    try:
        Ny = len(y0)
    except TypeError:
        yout = np.zeros((len(t),), np.float64)
    else:
        yout = np.zeros((len(t), Ny), np.float64)
    yout[0] = y0
    for i in np.arange(len(t) - 1):
        this = t[i]
        dt = t[i + 1] - this
        dt2 = dt / 2.0
        y0 = yout[i]
        k1 = np.asarray(derivs(y0))
        k2 = np.asarray(derivs(y0 + dt2 * k1))
        k3 = np.asarray(derivs(y0 + dt2 * k2))
        k4 = np.asarray(derivs(y0 + dt * k3))
        yout[i + 1] = y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)
    return yout[-1][:4]


def wrap(x, m, M):
    diff = M - m
    while x > M:
        x = x - diff
    while x < m:
        x = x + diff
    return x


def bound(x, m, M):
    return min(max(x, m), M)


def step(s, a):
    torque = AVAIL_TORQUE[a]
    s_augmented = np.append(s, torque)
    ns = rk4(_dsdt, s_augmented, [0, dt])
    ns[0] = wrap(ns[0], -pi, pi)
    ns[1] = wrap(ns[1], -pi, pi)
    ns[2] = bound(ns[2], -MAX_VEL_1, MAX_VEL_1)
    ns[3] = bound(ns[3], -MAX_VEL_2, MAX_VEL_2)
    terminated = bool(-cos(ns[0]) - cos(ns[1] + ns[0]) > 1.0)
    reward = -1.0 if not terminated else 0.0
    return ns, reward, terminated


# (initial state, actions): small swings from near rest, a fast swing that wraps and hits the velocity limits, and
# a pumping sequence from near the top that reaches the goal.
cases = [
    ([0.05, -0.08, 0.03, 0.1], [0, 2, 1, 2, 2, 0, 0, 1]),
    ([2.9, -0.4, 3.0, 11.0], [2, 2, 2, 0, 0, 0]),
    ([-1.2, 2.5, -6.0, 27.0], [0, 1, 2, 2]),
    ([1.9, 0.6, 2.0, -1.0], [2, 2, 2, 2, 2, 2]),
]
for initial, actions in cases:
    s = np.array(initial, dtype=np.float64)
    print("        // from (" + ", ".join(repr(v) for v in initial) + "), actions " + " ".join(str(a) for a in actions))
    for a in actions:
        s, reward, terminated = step(s, a)
        print(f"        [{a}, {s[0]!r}, {s[1]!r}, {s[2]!r}, {s[3]!r}, {reward!r}, {1.0 if terminated else 0.0}],")
        if terminated:
            break
