import { serviceNameSchema } from '@shop/shared/discovery';
import { z } from 'zod';

export const instanceIdParamsSchema = z.strictObject({ id: z.uuid() });

export const serviceNameParamsSchema = z.strictObject({ name: serviceNameSchema });
