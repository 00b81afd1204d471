"""Plain-Python references of Short Corridor and Puck World (written from the issue text, not the kernels)."""

import math


class RefShortCorridor:
    def __init__(self):
        self.s = 0

    def step(self, a):
        d = 1 if a == 1 else -1
        if self.s == 1:
            d = -d
        self.s = max(0, self.s + d)
        return -1.0, self.s == 3


class RefPuckWorld:
    """Puck World: p += v; v *= 0.95; v += 0.002 f; bounce -0.5 at radius; target jumps every period steps."""

    def __init__(
        self,
        rng,
        radius=0.05,
        accel=0.002,
        damping=0.95,
        bounce=-0.5,
        period=300,
        enemy=False,
        enemy_speed=0.001,
        bad=0.25,
        penalty=2.0,
    ):
        self.rng, self.rad, self.acc, self.damp, self.bounce = rng, radius, accel, damping, bounce
        self.period, self.enemy, self.es, self.bad, self.pen = period, enemy, enemy_speed, bad, penalty
        self.p = [rng.uniform(radius, 1 - radius), rng.uniform(radius, 1 - radius)]
        self.v = [0.0, 0.0]
        self.tgt = [rng.uniform(0, 1), rng.uniform(0, 1)]
        self.e = [rng.uniform(0, 1), rng.uniform(0, 1)]
        self.t = 0

    def obs(self):
        o = self.p + self.v + self.tgt
        return o + self.e if self.enemy else o

    def step(self, f):
        f = [min(1.0, max(-1.0, c)) for c in f]
        for d in range(2):
            self.p[d] += self.v[d]
            self.v[d] = self.v[d] * self.damp + self.acc * f[d]
            if self.p[d] < self.rad:
                self.p[d], self.v[d] = self.rad, self.bounce * self.v[d]
            elif self.p[d] > 1 - self.rad:
                self.p[d], self.v[d] = 1 - self.rad, self.bounce * self.v[d]
        self.t += 1
        if self.period and self.t % self.period == 0:
            self.tgt = [self.rng.uniform(0, 1), self.rng.uniform(0, 1)]
        r = -math.dist(self.p, self.tgt)
        if self.enemy:
            de = math.dist(self.p, self.e)
            if de > 0:
                self.e = [self.e[k] + self.es * (self.p[k] - self.e[k]) / de for k in range(2)]
            de = math.dist(self.p, self.e)
            if de < self.bad:
                r += self.pen * (de - self.bad) / self.bad
        return r
