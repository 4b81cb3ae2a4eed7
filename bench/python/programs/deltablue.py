"""DeltaBlue-like: an incremental dataflow constraint solver in the style of DeltaBlue
(Freeman-Benson, Maloney and Borning). Constraints have strengths; adding or removing one
re-plans only what it affects, using walkabout strengths; a plan is then run many times.

Two workloads, as in the classic benchmark: a long chain of equality constraints driven by an
edit at one end, and many scale/offset projections whose parameters are then changed.

Exercises deep method calls, isinstance-free polymorphism, list queues and small-object churn.
"""

DEFAULT_ARGS = {"chain": 600, "projection": 600, "rounds": 5}

# Strengths: a smaller number is stronger.
REQUIRED, STRONG_PREFERRED, PREFERRED, STRONG_DEFAULT, NORMAL, WEAK_DEFAULT, WEAKEST = range(7)


def stronger(a, b):
    return a < b


def weakest_of(a, b):
    return a if a > b else b


class SolverError(Exception):
    pass


class Variable:
    __slots__ = ("name", "value", "constraints", "determined_by", "walk_strength", "stay",
                 "mark")

    def __init__(self, name, value=0):
        self.name = name
        self.value = value
        self.constraints = []
        self.determined_by = None
        self.walk_strength = WEAKEST
        self.stay = True
        self.mark = 0

    def add_constraint(self, c):
        self.constraints.append(c)

    def remove_constraint(self, c):
        self.constraints.remove(c)
        if self.determined_by is c:
            self.determined_by = None


class Constraint:
    def __init__(self, planner, strength):
        self.planner = planner
        self.strength = strength

    def add(self):
        self.add_to_graph()
        self.planner.incremental_add(self)

    def destroy(self):
        if self.is_satisfied():
            self.planner.incremental_remove(self)
        else:
            self.remove_from_graph()

    def is_input(self):
        return False

    def satisfy(self, mark):
        """Tries to satisfy this constraint; returns the constraint it overrode, if any."""
        self.choose_method(mark)
        if not self.is_satisfied():
            if self.strength == REQUIRED:
                raise SolverError("could not satisfy a required constraint")
            return None
        self.mark_inputs(mark)
        out = self.output()
        overridden = out.determined_by
        if overridden is not None:
            overridden.mark_unsatisfied()
        out.determined_by = self
        if not self.planner.add_propagate(self, mark):
            raise SolverError("cycle encountered")
        out.mark = mark
        return overridden


class UnaryConstraint(Constraint):
    def __init__(self, planner, var, strength):
        super().__init__(planner, strength)
        self.var = var
        self.satisfied = False
        self.add()

    def add_to_graph(self):
        self.var.add_constraint(self)
        self.satisfied = False

    def remove_from_graph(self):
        self.var.remove_constraint(self)
        self.satisfied = False

    def choose_method(self, mark):
        v = self.var
        self.satisfied = v.mark != mark and stronger(self.strength, v.walk_strength)

    def is_satisfied(self):
        return self.satisfied

    def mark_inputs(self, mark):
        pass

    def output(self):
        return self.var

    def recalculate(self):
        v = self.var
        v.walk_strength = self.strength
        v.stay = not self.is_input()
        if v.stay:
            self.execute()

    def mark_unsatisfied(self):
        self.satisfied = False

    def inputs_known(self, mark):
        return True


class StayConstraint(UnaryConstraint):
    """Keeps a variable's value unless something stronger changes it."""

    def execute(self):
        pass


class EditConstraint(UnaryConstraint):
    """Marks a variable as changed from outside (an input of the plan)."""

    def is_input(self):
        return True

    def execute(self):
        pass


NONE, FORWARD, BACKWARD = 0, 1, 2


class BinaryConstraint(Constraint):
    def __init__(self, planner, a, b, strength, add=True):
        super().__init__(planner, strength)
        self.a = a
        self.b = b
        self.direction = NONE
        if add:
            self.add()

    def add_to_graph(self):
        self.a.add_constraint(self)
        self.b.add_constraint(self)
        self.direction = NONE

    def remove_from_graph(self):
        self.a.remove_constraint(self)
        self.b.remove_constraint(self)
        self.direction = NONE

    def choose_method(self, mark):
        a, b, s = self.a, self.b, self.strength
        if a.mark == mark:
            self.direction = FORWARD if b.mark != mark and stronger(s, b.walk_strength) else NONE
        elif b.mark == mark:
            self.direction = BACKWARD if a.mark != mark and stronger(s, a.walk_strength) else NONE
        elif a.walk_strength > b.walk_strength:  # a is weaker: write it if we are stronger
            self.direction = BACKWARD if stronger(s, a.walk_strength) else NONE
        else:
            self.direction = FORWARD if stronger(s, b.walk_strength) else BACKWARD

    def is_satisfied(self):
        return self.direction != NONE

    def mark_inputs(self, mark):
        self.input().mark = mark

    def input(self):
        return self.a if self.direction == FORWARD else self.b

    def output(self):
        return self.b if self.direction == FORWARD else self.a

    def recalculate(self):
        src, out = self.input(), self.output()
        out.walk_strength = weakest_of(self.strength, src.walk_strength)
        out.stay = src.stay
        if out.stay:
            self.execute()

    def mark_unsatisfied(self):
        self.direction = NONE

    def inputs_known(self, mark):
        src = self.input()
        return src.mark == mark or src.stay or src.determined_by is None


class EqualityConstraint(BinaryConstraint):
    def execute(self):
        self.output().value = self.input().value


class ScaleConstraint(BinaryConstraint):
    """b = a * scale + offset (forwards) or a = (b - offset) / scale (backwards)."""

    def __init__(self, planner, a, scale, offset, b, strength):
        super().__init__(planner, a, b, strength, add=False)
        self.scale = scale
        self.offset = offset
        self.add()

    def add_to_graph(self):
        super().add_to_graph()
        self.scale.add_constraint(self)
        self.offset.add_constraint(self)

    def remove_from_graph(self):
        super().remove_from_graph()
        self.scale.remove_constraint(self)
        self.offset.remove_constraint(self)

    def mark_inputs(self, mark):
        super().mark_inputs(mark)
        self.scale.mark = self.offset.mark = mark

    def execute(self):
        if self.direction == FORWARD:
            self.b.value = self.a.value * self.scale.value + self.offset.value
        else:
            self.a.value = (self.b.value - self.offset.value) // self.scale.value

    def recalculate(self):
        src, out = self.input(), self.output()
        out.walk_strength = weakest_of(self.strength, src.walk_strength)
        out.stay = src.stay and self.scale.stay and self.offset.stay
        if out.stay:
            self.execute()


class Planner:
    def __init__(self):
        self.current_mark = 0

    def new_mark(self):
        self.current_mark += 1
        return self.current_mark

    def incremental_add(self, c):
        mark = self.new_mark()
        overridden = c.satisfy(mark)
        while overridden is not None:
            overridden = overridden.satisfy(mark)

    def incremental_remove(self, c):
        out = c.output()
        c.mark_unsatisfied()
        c.remove_from_graph()
        unsatisfied = self.remove_propagate_from(out)
        for strength in range(REQUIRED, WEAKEST):
            for u in unsatisfied:
                if u.strength == strength:
                    self.incremental_add(u)

    def add_propagate(self, c, mark):
        todo = [c]
        while todo:
            d = todo.pop(0)
            if d.output().mark == mark:
                self.incremental_remove(c)
                return False
            d.recalculate()
            self.add_consumers(d.output(), todo)
        return True

    def remove_propagate_from(self, out):
        out.determined_by = None
        out.walk_strength = WEAKEST
        out.stay = True
        unsatisfied = []
        todo = [out]
        while todo:
            v = todo.pop(0)
            for c in v.constraints:
                if not c.is_satisfied():
                    unsatisfied.append(c)
            determining = v.determined_by
            for c in v.constraints:
                if c is not determining and c.is_satisfied():
                    c.recalculate()
                    todo.append(c.output())
        return unsatisfied

    def add_consumers(self, v, into):
        determining = v.determined_by
        for c in v.constraints:
            if c is not determining and c.is_satisfied():
                into.append(c)

    def make_plan(self, sources):
        mark = self.new_mark()
        plan = []
        todo = list(sources)
        while todo:
            c = todo.pop(0)
            out = c.output()
            if out.mark != mark and c.inputs_known(mark):
                plan.append(c)
                out.mark = mark
                self.add_consumers(out, todo)
        return plan

    def plan_for(self, constraints):
        return self.make_plan([c for c in constraints if c.is_input() and c.is_satisfied()])


def run_plan(plan):
    for c in plan:
        c.execute()


def chain_test(n):
    """v0 = v1 = ... = vn, an edit on v0 and a stay on vn: every edit must reach vn."""
    planner = Planner()
    variables = [Variable(f"v{i}") for i in range(n + 1)]
    for a, b in zip(variables, variables[1:]):
        EqualityConstraint(planner, a, b, REQUIRED)
    first, last = variables[0], variables[-1]
    StayConstraint(planner, last, STRONG_DEFAULT)
    edit = EditConstraint(planner, first, PREFERRED)
    plan = planner.plan_for([edit])
    total = 0
    for i in range(100):
        first.value = i
        run_plan(plan)
        if last.value != i:
            raise SolverError(f"chain: {last.value} != {i}")
        total += last.value
    edit.destroy()
    return total + len(plan)


def change(planner, var, value):
    edit = EditConstraint(planner, var, PREFERRED)
    plan = planner.plan_for([edit])
    for _ in range(10):
        var.value = value
        run_plan(plan)
    edit.destroy()


def projection_test(n):
    """dst_i = src_i * scale + offset for n pairs; change one end, then the parameters."""
    planner = Planner()
    scale = Variable("scale", 10)
    offset = Variable("offset", 1000)
    src = dst = None
    dests = []
    for i in range(n):
        src = Variable(f"src{i}", i)
        dst = Variable(f"dst{i}", i)
        dests.append(dst)
        StayConstraint(planner, src, NORMAL)
        ScaleConstraint(planner, src, scale, offset, dst, REQUIRED)
    change(planner, src, 17)
    if dst.value != 1170:
        raise SolverError("projection 1 failed")
    change(planner, dst, 1050)
    if src.value != 5:
        raise SolverError("projection 2 failed")
    change(planner, scale, 5)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 1000:
            raise SolverError("projection 3 failed")
    change(planner, offset, 2000)
    for i in range(n - 1):
        if dests[i].value != i * 5 + 2000:
            raise SolverError("projection 4 failed")
    return sum(d.value for d in dests)


def main(args):
    a = dict(DEFAULT_ARGS, **args)
    results = set()
    for _ in range(int(a["rounds"])):
        results.add((chain_test(int(a["chain"])), projection_test(int(a["projection"]))))
    assert len(results) == 1
    chain, projection = results.pop()
    return {"chain": chain, "projection": projection}
