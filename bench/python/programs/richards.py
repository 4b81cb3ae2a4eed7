"""Richards: Martin Richards's simulation of a small operating-system kernel. An idle task, a
worker, two packet handlers and two devices exchange packets through a priority scheduler.

Exercises method calls on small objects, attribute reads and writes, linked lists and
polymorphic dispatch through a class hierarchy. With the classic parameters (count 10000) a run
queues 23246 packets and holds tasks 9297 times; both are checked.
"""

DEFAULT_ARGS = {"iterations": 4, "count": 10000}

BUFFER_SIZE = 4  # data bytes a work packet carries

ID_IDLE, ID_WORKER, ID_HANDLER_A, ID_HANDLER_B, ID_DEVICE_A, ID_DEVICE_B = range(1, 7)
KIND_DEVICE, KIND_WORK = 0, 1

# Task state bits.
PACKET_PENDING = 1
WAITING = 2
HELD = 4

ALPHABET = "0ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Packet:
    __slots__ = ("link", "ident", "kind", "datum", "data")

    def __init__(self, link, ident, kind):
        self.link = link
        self.ident = ident
        self.kind = kind
        self.datum = 0
        self.data = [0] * BUFFER_SIZE


def append_packet(packet, queue):
    """Appends packet to the queue whose head is `queue`; returns the new head."""
    packet.link = None
    if queue is None:
        return packet
    tail = queue
    while tail.link is not None:
        tail = tail.link
    tail.link = packet
    return queue


class Task:
    def __init__(self, kernel, ident, priority, queue, state):
        self.kernel = kernel
        self.ident = ident
        self.priority = priority
        self.queue = queue
        self.state = state
        self.next = kernel.tasks  # the task list is kept in creation order, newest first
        kernel.tasks = self
        kernel.by_id[ident] = self

    def run(self, packet):
        raise NotImplementedError


class IdleTask(Task):
    def __init__(self, kernel, count):
        super().__init__(kernel, ID_IDLE, 0, None, 0)
        self.seed = 1
        self.remaining = count

    def run(self, packet):
        k = self.kernel
        self.remaining -= 1
        if self.remaining == 0:
            return k.hold_self()
        if self.seed & 1 == 0:
            self.seed >>= 1
            return k.release(ID_DEVICE_A)
        self.seed = (self.seed >> 1) ^ 0xD008
        return k.release(ID_DEVICE_B)


class WorkerTask(Task):
    def __init__(self, kernel, queue):
        super().__init__(kernel, ID_WORKER, 1000, queue, PACKET_PENDING | WAITING)
        self.destination = ID_HANDLER_A
        self.letter = 0

    def run(self, packet):
        k = self.kernel
        if packet is None:
            return k.wait()
        self.destination = ID_HANDLER_A + ID_HANDLER_B - self.destination
        packet.ident = self.destination
        packet.datum = 0
        data = packet.data
        for i in range(BUFFER_SIZE):
            self.letter += 1
            if self.letter > 26:
                self.letter = 1
            data[i] = ALPHABET[self.letter]
        return k.queue_packet(packet)


class HandlerTask(Task):
    def __init__(self, kernel, ident, priority, queue):
        super().__init__(kernel, ident, priority, queue, PACKET_PENDING | WAITING)
        self.work = None
        self.devices = None

    def run(self, packet):
        k = self.kernel
        if packet is not None:
            if packet.kind == KIND_WORK:
                self.work = append_packet(packet, self.work)
            else:
                self.devices = append_packet(packet, self.devices)
        work = self.work
        if work is not None:
            position = work.datum
            if position >= BUFFER_SIZE:
                self.work = work.link
                return k.queue_packet(work)
            device = self.devices
            if device is not None:
                self.devices = device.link
                device.datum = work.data[position]
                work.datum = position + 1
                return k.queue_packet(device)
        return k.wait()


class DeviceTask(Task):
    def __init__(self, kernel, ident, priority):
        super().__init__(kernel, ident, priority, None, WAITING)
        self.pending = None

    def run(self, packet):
        k = self.kernel
        if packet is None:
            if self.pending is None:
                return k.wait()
            packet, self.pending = self.pending, None
            return k.queue_packet(packet)
        self.pending = packet
        return k.hold_self()


class Kernel:
    def __init__(self):
        self.tasks = None
        self.by_id = {}
        self.current = None
        self.queue_count = 0
        self.hold_count = 0

    def hold_self(self):
        self.hold_count += 1
        current = self.current
        current.state |= HELD
        return current.next

    def wait(self):
        self.current.state |= WAITING
        return self.current

    def release(self, ident):
        task = self.by_id[ident]
        task.state &= ~HELD
        if task.priority > self.current.priority:
            return task
        return self.current

    def queue_packet(self, packet):
        task = self.by_id[packet.ident]
        self.queue_count += 1
        packet.link = None
        packet.ident = self.current.ident
        if task.queue is None:
            task.queue = packet
            task.state |= PACKET_PENDING
            if task.priority > self.current.priority:
                return task
        else:
            append_packet(packet, task.queue)
        return self.current

    def schedule(self):
        task = self.tasks
        while task is not None:
            state = task.state
            if state == PACKET_PENDING | WAITING:
                packet = task.queue
                task.queue = packet.link
                task.state = 0 if task.queue is None else PACKET_PENDING
                self.current = task
                task = task.run(packet)
            elif state <= PACKET_PENDING:  # running, with or without queued packets
                self.current = task
                task = task.run(None)
            else:  # waiting without packets, or held
                task = task.next


def run_once(count):
    k = Kernel()
    IdleTask(k, count)
    work = Packet(None, 0, KIND_WORK)
    work = Packet(work, 0, KIND_WORK)
    WorkerTask(k, work)
    for ident, priority, device in ((ID_HANDLER_A, 2000, ID_DEVICE_A),
                                    (ID_HANDLER_B, 3000, ID_DEVICE_B)):
        queue = None
        for _ in range(3):
            queue = Packet(queue, device, KIND_DEVICE)
        HandlerTask(k, ident, priority, queue)
    DeviceTask(k, ID_DEVICE_A, 4000)
    DeviceTask(k, ID_DEVICE_B, 5000)
    k.schedule()
    return k.queue_count, k.hold_count


def main(args):
    iterations = int(args.get("iterations", DEFAULT_ARGS["iterations"]))
    count = int(args.get("count", DEFAULT_ARGS["count"]))
    results = {run_once(count) for _ in range(iterations)}
    assert len(results) == 1, results
    queued, held = results.pop()
    if count == 10000 and (queued, held) != (23246, 9297):
        raise AssertionError(f"richards: got {queued} packets, {held} holds")
    return {"count": count, "queued": queued, "held": held}
