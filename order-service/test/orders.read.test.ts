import { bearer, newId } from '@shop/test-support';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness';
import { expectSameAnswer } from './same-answer';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h.database.close());

interface OrderBody {
  id: string;
  userId: string;
  status: string;
}

/** Places a confirmed order for `userId` and returns its body. */
async function placeOrder(userId: string, quantity = 1): Promise<OrderBody> {
  const productId = h.addProduct(100);
  const res = await request(h.app)
    .post('/orders')
    .set(bearer('user', userId))
    .send({ items: [{ productId, quantity }] });
  expect(res.status).toBe(201);
  return res.body as OrderBody;
}

const idsOf = (body: { items: OrderBody[] }) => body.items.map((order) => order.id);

describe('GET /orders', () => {
  it('when two users have orders, a user sees only their own and total counts only theirs', async () => {
    const me = h.addUser();
    const other = h.addUser();
    const mine = [await placeOrder(me), await placeOrder(me)];
    const theirs = await placeOrder(other);

    const res = await request(h.app).get('/orders').set(bearer('user', me));

    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(idsOf(res.body).sort()).toEqual(mine.map((order) => order.id).sort());
    expect(idsOf(res.body)).not.toContain(theirs.id);
    for (const order of res.body.items as OrderBody[]) expect(order.userId).toBe(me);
  });

  it('when a page and limit are given, it answers that slice, newest first, with page, limit and totalPages', async () => {
    const me = h.addUser();
    const placed = [await placeOrder(me), await placeOrder(me), await placeOrder(me)];

    const first = await request(h.app).get('/orders?page=1&limit=2').set(bearer('user', me));
    const second = await request(h.app).get('/orders?page=2&limit=2').set(bearer('user', me));

    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ page: 1, limit: 2, total: 3, totalPages: 2 });
    expect(idsOf(first.body)).toEqual([placed[2]!.id, placed[1]!.id]);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ page: 2, limit: 2, total: 3, totalPages: 2 });
    expect(idsOf(second.body)).toEqual([placed[0]!.id]);
  });

  it('when a status filter is given, only orders in that status are listed', async () => {
    const me = h.addUser();
    const kept = await placeOrder(me);
    const cancelled = await placeOrder(me);
    expect((await request(h.app).post(`/orders/${cancelled.id}/cancel`).set(bearer('user', me))).status).toBe(200);

    const onlyCancelled = await request(h.app).get('/orders?status=cancelled').set(bearer('user', me));
    const onlyConfirmed = await request(h.app).get('/orders?status=confirmed').set(bearer('user', me));

    expect(onlyCancelled.status).toBe(200);
    expect(onlyCancelled.body.total).toBe(1);
    expect(idsOf(onlyCancelled.body)).toEqual([cancelled.id]);
    expect(onlyConfirmed.body.total).toBe(1);
    expect(idsOf(onlyConfirmed.body)).toEqual([kept.id]);
  });

  it("when an admin lists orders, other users' orders are included", async () => {
    const first = await placeOrder(h.addUser());
    const second = await placeOrder(h.addUser());

    const res = await request(h.app).get('/orders?limit=100').set(bearer('admin'));

    expect(res.status).toBe(200);
    expect(idsOf(res.body)).toEqual(expect.arrayContaining([first.id, second.id]));
    expect(res.body.total).toBeGreaterThanOrEqual(2);
  });

  it('without a token the answer is 401', async () => {
    const res = await request(h.app).get('/orders');

    expect(res.status).toBe(401);
    expect(res.body.code).toBe('AUTH.UNAUTHORIZED');
  });
});

describe('GET /orders/:id', () => {
  it('when the owner asks, it answers 200 with the order', async () => {
    const owner = h.addUser();
    const order = await placeOrder(owner, 2);

    const res = await request(h.app).get(`/orders/${order.id}`).set(bearer('user', owner));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: order.id, userId: owner, status: 'confirmed' });
    expect(res.body.items).toHaveLength(1);
  });

  it('when another user asks, it answers 404 ORDER.NOT_FOUND exactly as for an id that does not exist', async () => {
    const order = await placeOrder(h.addUser());
    const stranger = h.addUser();

    const res = await request(h.app).get(`/orders/${order.id}`).set(bearer('user', stranger));
    const missing = await request(h.app).get(`/orders/${newId()}`).set(bearer('user', stranger));

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('ORDER.NOT_FOUND');
    expectSameAnswer(res, missing);
    expect(res.text).not.toContain(order.id);
  });

  it("when a service token asks for a user's order, it answers 404 as for a missing one", async () => {
    const order = await placeOrder(h.addUser());

    const res = await request(h.app).get(`/orders/${order.id}`).set(bearer('service'));
    const missing = await request(h.app).get(`/orders/${newId()}`).set(bearer('service'));

    expect(res.status).toBe(404);
    expectSameAnswer(res, missing);
  });

  it("when an admin asks for someone's order, it answers 200", async () => {
    const owner = h.addUser();
    const order = await placeOrder(owner);

    const res = await request(h.app).get(`/orders/${order.id}`).set(bearer('admin'));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: order.id, userId: owner });
  });

  it('when the id is unknown, it answers 404 ORDER.NOT_FOUND', async () => {
    const res = await request(h.app)
      .get(`/orders/${'0'.repeat(24)}`)
      .set(bearer('user', h.addUser()));

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('ORDER.NOT_FOUND');
  });

  it('without a token the answer is 401', async () => {
    const order = await placeOrder(h.addUser());

    const res = await request(h.app).get(`/orders/${order.id}`);

    expect(res.status).toBe(401);
  });
});

describe('GET /users/:userId/orders', () => {
  it('when a user asks for their own orders, it answers 200 with only theirs', async () => {
    const me = h.addUser();
    const mine = await placeOrder(me);
    const theirs = await placeOrder(h.addUser());

    const res = await request(h.app).get(`/users/${me}/orders`).set(bearer('user', me));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ page: 1, total: 1, totalPages: 1 });
    expect(idsOf(res.body)).toEqual([mine.id]);
    expect(idsOf(res.body)).not.toContain(theirs.id);
  });

  it("when a user asks for another user's orders, it answers 404 USER.NOT_FOUND, the same as for an id that is no account", async () => {
    const owner = h.addUser();
    await placeOrder(owner);
    const stranger = h.addUser();

    const res = await request(h.app).get(`/users/${owner}/orders`).set(bearer('user', stranger));
    const nobody = await request(h.app).get(`/users/${newId()}/orders`).set(bearer('user', stranger));

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    // user-service's code and wording for GET /users/:id of an account the caller may not see.
    expect(res.body).toMatchObject({ code: 'USER.NOT_FOUND', detail: 'No user has this id' });
    expect(res.body.items).toBeUndefined();
    expectSameAnswer(res, nobody);
  });

  it("when an admin asks for a user's orders, it answers 200 with that user's orders only", async () => {
    const owner = h.addUser();
    const placed = [await placeOrder(owner), await placeOrder(owner)];
    await placeOrder(h.addUser());

    const res = await request(h.app).get(`/users/${owner}/orders`).set(bearer('admin'));

    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(idsOf(res.body).sort()).toEqual(placed.map((order) => order.id).sort());
  });

  it('without a token the answer is 401', async () => {
    const res = await request(h.app).get(`/users/${h.addUser()}/orders`);

    expect(res.status).toBe(401);
  });
});
