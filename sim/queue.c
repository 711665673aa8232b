/* queue.c - The event queue: per clock, a sorted FIFO, a wheel of near-future buckets and a
 * binary min-heap, ordered by (deadline, seq), over a compact table of timer slots.
 *
 * Order. The sequence number is the order of arming, so timers with equal deadlines fire in
 * the order they were armed, on every machine.
 *
 * Slots. An armed timer owns a slot in the run's slot table (timer, seq, deadline, position).
 * Heap and FIFO entries are 16 bytes (deadline, slot index), so ordering compares within one
 * array and reads a slot's seq only on an exact deadline tie, and moving an entry updates its
 * slot's position in the small, hot slot table. (Keeping the position in the timer itself cost
 * one cache miss per moved entry: timers live in task structs and kernel objects all over
 * memory, and those write misses were 84% of the misses of a run with 1000 sleeping threads.)
 * Removal is eager, so no entry ever outlives its timer; slots come from a free list and the
 * table grows by doubling, so arming allocates nothing once the table is large enough.
 *
 * Three structures. Popping is the hot operation (every sleep ends with one). Much of a model's
 * arming is in non-decreasing order: lockstep actors arming "now + 1 us" one after the other,
 * periodic timers, deadlines "now + 9 s". Such a timer (deadline not below the FIFO's last
 * one; its seq is the largest yet) is appended to a ring that stays sorted and popped from its
 * front, both O(1). Otherwise a timer due within about a millisecond goes to the wheel: one
 * sorted list of slots per bucket of 2^SIM_WHEEL_SHIFT ns, a new timer walking back from its
 * bucket's tail (it sorts after every equal deadline, so usually it stays at the tail), and a
 * bitmap of the non-empty buckets. Every pending timer is due at or after now, and before the
 * wheel's span after the now at which it was armed; so the buckets read from now's bucket on,
 * wrapping around, are in deadline order, and the first non-empty one holds the wheel's
 * earliest timer. Any other timer goes to the heap, as does one that would walk back more than
 * WHEEL_WALK_MAX entries (many deadlines in one bucket armed out of order), which bounds the
 * cost of arming. (Measured on `wakesim bench timers`, 1000 actors sleeping 1..1000 us: the
 * heap's pop over 1000 pending timers was 40% of the instructions of an event.)
 *
 * The front. The queue keeps its earliest timer (the smallest of the three fronts) at hand, so
 * the scheduler reads one field per clock; it is recomputed only when that timer leaves. The
 * order is exactly that of a single heap; only the cost changes.
 *
 * The heap pops bottom-up (Wegener): the hole walks to a leaf along the smaller child, picked
 * without a branch, then the displaced last entry sifts up from there; it almost always belongs
 * near the bottom, so this halves the comparisons of the textbook sift-down. (Measured and
 * dropped: a 4-ary heap, no faster with 16-byte entries and cache-line-aligned children.)
 *
 * Cancelling a FIFO entry leaves a tombstone (its slot's timer NULL) that the front skips; the
 * ring is compacted when tombstones outnumber live entries, so memory stays proportional to
 * the armed timers. A wheel entry is unlinked at once.
 */
#include "sim_int.h"

#include <stdlib.h>
#include <string.h>

#define HEAP_CAPACITY_INITIAL 1024u
#define FIFO_CAPACITY_INITIAL 1024u
#define SLOT_CAPACITY_INITIAL 2048u
#define SLOT_NONE SIM_SLOT_NONE
/* Longest walk back from a bucket's tail when arming into the wheel; a longer one goes to the
 * heap instead. */
#define WHEEL_WALK_MAX 8u

_Static_assert(SIM_WHEEL_BUCKETS % 64 == 0, "the wheel's bitmap is whole words");
_Static_assert((SIM_WHEEL_BUCKETS & (SIM_WHEEL_BUCKETS - 1)) == 0, "bucket index is a mask");

/* ---- Slots ---------------------------------------------------------------------------------- */

static void slots_link_free(sim_t *s, uint32_t from, uint32_t to)
{
    for (uint32_t i = to; i-- > from;) {
        s->slots[i].timer = NULL;
        s->slots[i].next = s->slot_free;
        s->slot_free = i;
    }
}

int sim__slots_init(sim_t *s)
{
    s->slots = sim__alloc(s, SLOT_CAPACITY_INITIAL * sizeof(*s->slots));
    if (!s->slots)
        return SIM_ENOMEM;
    s->slot_capacity = SLOT_CAPACITY_INITIAL;
    s->slot_free = SLOT_NONE;
    slots_link_free(s, 0, SLOT_CAPACITY_INITIAL);
    return 0;
}

void sim__slots_deinit(sim_t *s)
{
    sim__free(s->slots);
    s->slots = NULL;
    s->slot_capacity = 0;
}

static uint32_t slot_take(sim_t *s, sim_timer_t *t)
{
    if (s->slot_free == SLOT_NONE) {
        uint32_t cap = s->slot_capacity * 2;
        sim_slot_t *p = sim__realloc(s, s->slots, cap * sizeof(*p));
        SIM_ASSERT(p != NULL); /* out of memory growing the queue: nothing sensible to do */
        s->slots = p;
        slots_link_free(s, s->slot_capacity, cap);
        s->slot_capacity = cap;
    }
    uint32_t i = s->slot_free;
    sim_slot_t *sl = &s->slots[i];
    s->slot_free = sl->next;
    sl->timer = t;
    sl->seq = t->seq;
    sl->deadline_ns = t->deadline_ns;
    return i;
}

static inline void slot_give(sim_t *s, uint32_t i)
{
    s->slots[i].timer = NULL;
    s->slots[i].next = s->slot_free;
    s->slot_free = i;
}

/* ---- Heap ----------------------------------------------------------------------------------- */

static inline void heap_place(sim_slot_t *slots, sim_heap_entry_t *a, uint32_t index,
                              sim_heap_entry_t e)
{
    a[index] = e;
    slots[e.slot].pos = index;
}

/* Moves the hole at `index` up while `e` is smaller than the parent, not above `floor`. */
static inline void heap_sift_up(sim_slot_t *slots, sim_heap_entry_t *a, uint32_t index,
                                uint32_t floor, sim_heap_entry_t e)
{
    while (index > floor) {
        uint32_t parent = (index - 1) / 2;
        if (!sim__entry_less(slots, &e, &a[parent]))
            break;
        heap_place(slots, a, index, a[parent]);
        index = parent;
    }
    heap_place(slots, a, index, e);
}

/* Fills the hole at `index` with `e`: the hole goes to a leaf along the smaller children,
 * then `e` sifts up from there. */
static inline void heap_sift_down(sim_slot_t *slots, sim_heap_t *h, uint32_t index,
                                  sim_heap_entry_t e)
{
    sim_heap_entry_t *a = h->entries;
    uint32_t start = index;
    uint32_t n = h->count;
    uint32_t child;
    while ((child = 2 * index + 1) + 1 < n) {
        child += sim__entry_less(slots, &a[child + 1], &a[child]);
        heap_place(slots, a, index, a[child]);
        index = child;
    }
    if (child < n) {
        heap_place(slots, a, index, a[child]);
        index = child;
    }
    heap_sift_up(slots, a, index, start, e);
}

static void heap_push(sim_t *s, sim_heap_t *h, sim_heap_entry_t e)
{
    if (h->count == h->capacity) {
        uint32_t cap = h->capacity * 2;
        sim_heap_entry_t *p = sim__realloc(s, h->entries, cap * sizeof(*p));
        SIM_ASSERT(p != NULL);
        h->entries = p;
        h->capacity = cap;
    }
    heap_sift_up(s->slots, h->entries, h->count++, 0, e);
}

static void heap_remove(sim_t *s, sim_heap_t *h, uint32_t index)
{
    SIM_ASSERT(index < h->count);
    uint32_t last = --h->count;
    if (index == last)
        return;
    sim_heap_entry_t e = h->entries[last];
    if (index > 0 && sim__entry_less(s->slots, &e, &h->entries[(index - 1) / 2]))
        heap_sift_up(s->slots, h->entries, index, 0, e);
    else
        heap_sift_down(s->slots, h, index, e);
}

/* ---- Sorted FIFO ---------------------------------------------------------------------------- */

static inline sim_heap_entry_t *fifo_at(const sim_fifo_t *f, uint32_t pos)
{
    return &f->entries[pos & (f->capacity - 1)];
}

/* Restores "the head entry is live" by skipping (and freeing) tombstones. */
static void fifo_skip_dead(sim_t *s, sim_fifo_t *f)
{
    while (f->head != f->tail && s->slots[fifo_at(f, f->head)->slot].timer == NULL)
        slot_give(s, fifo_at(f, f->head++)->slot);
}

/* Squeezes out tombstones in place (writes never overtake reads), keeping the capacity. */
static void fifo_compact(sim_t *s, sim_fifo_t *f)
{
    uint32_t w = f->head;
    for (uint32_t r = f->head; r != f->tail; r++) {
        sim_heap_entry_t e = *fifo_at(f, r);
        if (s->slots[e.slot].timer == NULL) {
            slot_give(s, e.slot);
            continue;
        }
        *fifo_at(f, w) = e;
        s->slots[e.slot].pos = w++;
    }
    f->tail = w;
    SIM_ASSERT(f->tail - f->head == f->live);
}

/* Moves the live entries into a new ring of twice the capacity, starting at position 0. */
static void fifo_grow(sim_t *s, sim_fifo_t *f)
{
    uint32_t cap = f->capacity * 2;
    sim_heap_entry_t *p = sim__alloc(s, cap * sizeof(*p));
    SIM_ASSERT(p != NULL);
    uint32_t n = 0;
    for (uint32_t r = f->head; r != f->tail; r++) {
        sim_heap_entry_t e = *fifo_at(f, r);
        if (s->slots[e.slot].timer == NULL) {
            slot_give(s, e.slot);
            continue;
        }
        s->slots[e.slot].pos = n;
        p[n++] = e;
    }
    sim__free(f->entries);
    f->entries = p;
    f->capacity = cap;
    f->head = 0;
    f->tail = n;
}

static void fifo_push(sim_t *s, sim_fifo_t *f, sim_heap_entry_t e)
{
    if (f->tail - f->head == f->capacity) {
        if (f->live * 2 >= f->capacity)
            fifo_grow(s, f);
        else
            fifo_compact(s, f);
    }
    s->slots[e.slot].pos = f->tail;
    *fifo_at(f, f->tail++) = e;
    f->live++;
}

/* Turns the entry of slot `i` into a tombstone. */
static void fifo_remove(sim_t *s, sim_fifo_t *f, uint32_t i)
{
    SIM_ASSERT(fifo_at(f, s->slots[i].pos)->slot == i);
    s->slots[i].timer = NULL;
    f->live--;
    fifo_skip_dead(s, f);
    /* Many tombstones (cancelled long deadlines behind a live one): compact. */
    if (f->tail - f->head > 2 * f->live + 64)
        fifo_compact(s, f);
}

/* ---- Wheel ---------------------------------------------------------------------------------- */

static inline uint32_t wheel_bucket(int64_t deadline_ns)
{
    return (uint32_t)((uint64_t)deadline_ns >> SIM_WHEEL_SHIFT) & (SIM_WHEEL_BUCKETS - 1);
}

/* Whether a deadline (>= now, both >= 0) falls in the wheel's span from now's bucket. */
static inline bool wheel_covers(int64_t deadline_ns, int64_t now_ns)
{
    return ((uint64_t)deadline_ns >> SIM_WHEEL_SHIFT) - ((uint64_t)now_ns >> SIM_WHEEL_SHIFT) <
           SIM_WHEEL_BUCKETS;
}

/* Links slot `i` (deadline d, the largest seq yet) into its bucket after every entry with a
 * deadline <= d. Returns false, linking nothing, if that takes more than WHEEL_WALK_MAX steps. */
static bool wheel_push(sim_slot_t *slots, sim_wheel_t *w, uint32_t i, int64_t d)
{
    uint32_t b = wheel_bucket(d);
    sim_wheel_bucket_t *bk = &w->buckets[b];
    uint32_t prev = bk->tail;
    for (uint32_t steps = 0; prev != SLOT_NONE && slots[prev].deadline_ns > d; steps++) {
        if (steps == WHEEL_WALK_MAX)
            return false;
        prev = slots[prev].pos;
    }
    uint32_t next = prev == SLOT_NONE ? bk->head : slots[prev].next;
    slots[i].pos = prev;
    slots[i].next = next;
    if (prev == SLOT_NONE)
        bk->head = i;
    else
        slots[prev].next = i;
    if (next == SLOT_NONE)
        bk->tail = i;
    else
        slots[next].pos = i;
    w->nonempty[b / 64] |= (uint64_t)1 << (b % 64);
    w->count++;
    return true;
}

static void wheel_remove(sim_slot_t *slots, sim_wheel_t *w, uint32_t i)
{
    uint32_t b = wheel_bucket(slots[i].deadline_ns);
    sim_wheel_bucket_t *bk = &w->buckets[b];
    uint32_t prev = slots[i].pos, next = slots[i].next;
    if (prev == SLOT_NONE)
        bk->head = next;
    else
        slots[prev].next = next;
    if (next == SLOT_NONE)
        bk->tail = prev;
    else
        slots[next].pos = prev;
    if (bk->head == SLOT_NONE)
        w->nonempty[b / 64] &= ~((uint64_t)1 << (b % 64));
    w->count--;
}

/* The slot of the wheel's earliest timer (the wheel must have one): the head of the first
 * non-empty bucket from now's bucket on, wrapping around. */
static uint32_t wheel_front(const sim_wheel_t *w, int64_t now_ns)
{
    uint32_t b = wheel_bucket(now_ns);
    uint32_t word = b / 64;
    uint64_t bits = w->nonempty[word] & (~(uint64_t)0 << (b % 64));
    /* SIM_WHEEL_WORDS + 1 reads: the last one is the first word again, below `b`. */
    for (uint32_t n = 0; n <= SIM_WHEEL_WORDS; n++) {
        if (bits)
            return w->buckets[word * 64 + (uint32_t)__builtin_ctzll(bits)].head;
        word = (word + 1) % SIM_WHEEL_WORDS;
        bits = w->nonempty[word];
    }
    SIM_ASSERT(!"the wheel has no timer");
    return SLOT_NONE;
}

/* ---- Queue ---------------------------------------------------------------------------------- */

int sim__queue_init(sim_t *s, sim_queue_t *q)
{
    q->front_slot = SLOT_NONE;
    q->heap.entries = sim__alloc(s, HEAP_CAPACITY_INITIAL * sizeof(sim_heap_entry_t));
    q->fifo.entries = sim__alloc(s, FIFO_CAPACITY_INITIAL * sizeof(sim_heap_entry_t));
    q->wheel.buckets = sim__alloc(s, SIM_WHEEL_BUCKETS * sizeof(sim_wheel_bucket_t));
    if (!q->heap.entries || !q->fifo.entries || !q->wheel.buckets)
        return SIM_ENOMEM;
    q->heap.capacity = HEAP_CAPACITY_INITIAL;
    q->fifo.capacity = FIFO_CAPACITY_INITIAL;
    for (uint32_t b = 0; b < SIM_WHEEL_BUCKETS; b++)
        q->wheel.buckets[b] = (sim_wheel_bucket_t){.head = SLOT_NONE, .tail = SLOT_NONE};
    return 0;
}

void sim__queue_deinit(sim_queue_t *q)
{
    sim__free(q->heap.entries);
    sim__free(q->fifo.entries);
    sim__free(q->wheel.buckets);
    memset(q, 0, sizeof(*q));
}

static inline int64_t queue_now(const sim_t *s, const sim_queue_t *q)
{
    return sim__now(s, (sim_clock_t)(q - s->queue));
}

/* The earliest of the three fronts, as an entry; slot SLOT_NONE if the queue is empty. */
static sim_heap_entry_t queue_min(const sim_t *s, const sim_queue_t *q)
{
    sim_heap_entry_t best = {.deadline_ns = 0, .slot = SLOT_NONE};
    if (q->heap.count)
        best = q->heap.entries[0];
    if (q->fifo.live) {
        const sim_heap_entry_t *e = fifo_at(&q->fifo, q->fifo.head);
        if (best.slot == SLOT_NONE || sim__entry_less(s->slots, e, &best))
            best = *e;
    }
    if (q->wheel.count) {
        uint32_t i = wheel_front(&q->wheel, queue_now(s, q));
        sim_heap_entry_t e = {.deadline_ns = s->slots[i].deadline_ns, .slot = i};
        if (best.slot == SLOT_NONE || sim__entry_less(s->slots, &e, &best))
            best = e;
    }
    return best;
}

static void queue_push(sim_t *s, sim_queue_t *q, sim_timer_t *t, int64_t now_ns)
{
    sim_heap_entry_t e = {.deadline_ns = t->deadline_ns, .slot = slot_take(s, t)};
    t->slot = e.slot;
    sim_fifo_t *f = &q->fifo;
    /* t has the largest sequence number yet: an equal deadline sorts it last too. */
    if (f->head == f->tail || e.deadline_ns >= fifo_at(f, f->tail - 1)->deadline_ns) {
        t->where = SIM_TIMER_IN_FIFO;
        fifo_push(s, f, e);
    } else if (wheel_covers(e.deadline_ns, now_ns) &&
               wheel_push(s->slots, &q->wheel, e.slot, e.deadline_ns)) {
        t->where = SIM_TIMER_IN_WHEEL;
    } else {
        t->where = SIM_TIMER_IN_HEAP;
        heap_push(s, &q->heap, e);
    }
    /* For the same reason, t is the new front only with a strictly earlier deadline. */
    if (q->front_slot == SLOT_NONE || e.deadline_ns < q->front_deadline_ns) {
        q->front_deadline_ns = e.deadline_ns;
        q->front_slot = e.slot;
    }
}

static void queue_remove(sim_t *s, sim_queue_t *q, sim_timer_t *t)
{
    uint32_t i = t->slot;
    SIM_ASSERT(s->slots[i].timer == t);
    if (t->where == SIM_TIMER_IN_HEAP) {
        heap_remove(s, &q->heap, s->slots[i].pos);
        slot_give(s, i);
    } else if (t->where == SIM_TIMER_IN_WHEEL) {
        wheel_remove(s->slots, &q->wheel, i);
        slot_give(s, i);
    } else {
        fifo_remove(s, &q->fifo, i); /* the slot is freed when the front skips it */
    }
    t->where = SIM_TIMER_IDLE;
    if (i == q->front_slot) {
        sim_heap_entry_t e = queue_min(s, q);
        q->front_deadline_ns = e.deadline_ns;
        q->front_slot = e.slot;
    }
}

sim_timer_t *sim__queue_pop(sim_t *s, sim_queue_t *q)
{
    SIM_ASSERT(q->front_slot != SLOT_NONE);
    sim_timer_t *t = s->slots[q->front_slot].timer;
    queue_remove(s, q, t);
    return t;
}

static bool heap_ok(const sim_t *s, const sim_heap_t *h)
{
    for (uint32_t i = 0; i < h->count; i++) {
        const sim_slot_t *sl = &s->slots[h->entries[i].slot];
        if (sl->pos != i || !sl->timer || sl->timer->where != SIM_TIMER_IN_HEAP)
            return false;
        if (i > 0 && sim__entry_less(s->slots, &h->entries[i], &h->entries[(i - 1) / 2]))
            return false;
    }
    return true;
}

static bool fifo_ok(const sim_t *s, const sim_fifo_t *f)
{
    uint32_t live = 0;
    const sim_heap_entry_t *prev = NULL;
    for (uint32_t pos = f->head; pos != f->tail; pos++) {
        const sim_heap_entry_t *e = fifo_at(f, pos);
        const sim_slot_t *sl = &s->slots[e->slot];
        if (prev && sim__entry_less(s->slots, e, prev))
            return false;
        prev = e;
        if (sl->timer && (sl->pos != pos || sl->timer->where != SIM_TIMER_IN_FIFO))
            return false;
        live += sl->timer != NULL;
    }
    return live == f->live && (f->head == f->tail || s->slots[fifo_at(f, f->head)->slot].timer);
}

/* Every bucket is a well-linked list, sorted, of timers in the wheel's span from now. */
static bool wheel_ok(const sim_t *s, const sim_wheel_t *w, int64_t now_ns)
{
    uint32_t count = 0;
    for (uint32_t b = 0; b < SIM_WHEEL_BUCKETS; b++) {
        const sim_wheel_bucket_t *bk = &w->buckets[b];
        bool bit = (w->nonempty[b / 64] >> (b % 64)) & 1;
        if (bit != (bk->head != SLOT_NONE))
            return false;
        uint32_t prev = SLOT_NONE;
        for (uint32_t i = bk->head; i != SLOT_NONE; prev = i, i = s->slots[i].next) {
            const sim_slot_t *sl = &s->slots[i];
            if (!sl->timer || sl->timer->where != SIM_TIMER_IN_WHEEL || sl->pos != prev)
                return false;
            if (wheel_bucket(sl->deadline_ns) != b || sl->deadline_ns < now_ns ||
                !wheel_covers(sl->deadline_ns, now_ns))
                return false;
            sim_heap_entry_t e = {.deadline_ns = sl->deadline_ns, .slot = i};
            sim_heap_entry_t p = {.deadline_ns = 0, .slot = prev};
            if (prev != SLOT_NONE) {
                p.deadline_ns = s->slots[prev].deadline_ns;
                if (sim__entry_less(s->slots, &e, &p))
                    return false;
            }
            if (++count > w->count)
                return false;
        }
        if (bk->tail != prev)
            return false;
    }
    return count == w->count;
}

bool sim__queue_ok(const sim_t *s, const sim_queue_t *q)
{
    if (!heap_ok(s, &q->heap) || !fifo_ok(s, &q->fifo))
        return false;
    if (!wheel_ok(s, &q->wheel, queue_now(s, q)))
        return false;
    sim_heap_entry_t e = queue_min(s, q);
    return e.slot == q->front_slot && (e.slot == SLOT_NONE || e.deadline_ns == q->front_deadline_ns);
}

/* ---- Timers --------------------------------------------------------------------------------- */

void sim_timer_init(sim_timer_t *timer, sim_timer_fn fn, void *data)
{
    SIM_ASSERT(fn != NULL);
    *timer = (sim_timer_t){.data = data, .fn = fn, .where = SIM_TIMER_IDLE};
}

void sim_timer_start(sim_t *s, sim_timer_t *timer, sim_clock_t clock, int64_t deadline_ns)
{
    SIM_ASSERT(clock == SIM_CLOCK_MONO || clock == SIM_CLOCK_BOOT);
    SIM_ASSERT(timer->fn != NULL);
    if (timer->where != SIM_TIMER_IDLE)
        sim_timer_cancel(s, timer);
    /* A deadline in the past fires now: keep the queue's times monotone. */
    int64_t now = sim__now(s, clock);
    timer->deadline_ns = deadline_ns < now ? now : deadline_ns;
    timer->clock = (uint8_t)clock;
    timer->seq = s->timer_seq++;
    queue_push(s, &s->queue[clock], timer, now);
}

bool sim_timer_cancel(sim_t *s, sim_timer_t *timer)
{
    if (timer->where == SIM_TIMER_IDLE)
        return false;
    queue_remove(s, &s->queue[timer->clock], timer);
    return true;
}

bool sim_timer_is_armed(const sim_timer_t *timer)
{
    return timer->where != SIM_TIMER_IDLE;
}
