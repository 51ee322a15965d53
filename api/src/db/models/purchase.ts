import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { CheckoutStatus, PurchaseLicenseType, PurchaseStatus } from '@ngn/shared';

export class Plan extends Model<InferAttributes<Plan>, InferCreationAttributes<Plan>> {
  declare id: string;
  declare plan: string;
  declare license_type: PurchaseLicenseType;
  declare product: string;
  declare policy: string;
  declare name: string;
  declare stripe_price_id: string;
  declare amount: number;
  declare currency: string;
  declare billing_interval: 'month' | 'year' | null;
  declare active: CreationOptional<boolean>;
  declare sort_order: CreationOptional<number>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Plan.init(
      {
        id: { type: DataTypes.TEXT, primaryKey: true },
        plan: { type: DataTypes.TEXT, allowNull: false },
        license_type: { type: DataTypes.TEXT, allowNull: false },
        product: { type: DataTypes.TEXT, allowNull: false },
        policy: { type: DataTypes.TEXT, allowNull: false },
        name: { type: DataTypes.TEXT, allowNull: false },
        stripe_price_id: { type: DataTypes.TEXT, allowNull: false },
        amount: { type: DataTypes.INTEGER, allowNull: false },
        currency: { type: DataTypes.TEXT, allowNull: false },
        billing_interval: DataTypes.TEXT,
        active: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        sort_order: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'plans' },
    );
  }
}

export type PurchaseKind = 'checkout' | 'renewal';
export type SubscriptionStatus = 'active' | 'past_due' | 'canceled';

export class Purchase extends Model<InferAttributes<Purchase>, InferCreationAttributes<Purchase>> {
  declare id: CreationOptional<string>;
  declare user_id: string | null;
  declare license_id: CreationOptional<string | null>;
  declare kind: CreationOptional<PurchaseKind>;
  declare plan_id: string | null;
  declare plan: string;
  declare license_type: PurchaseLicenseType;
  declare product: string;
  declare amount: number;
  declare amount_refunded: CreationOptional<number>;
  declare currency: string;
  declare status: CreationOptional<PurchaseStatus>;
  declare failure_reason: CreationOptional<string | null>;
  declare checkout_status: CreationOptional<CheckoutStatus | null>;
  declare stripe_checkout_session_id: string | null;
  declare stripe_payment_intent_id: CreationOptional<string | null>;
  declare stripe_customer_id: string | null;
  /** The price the checkout was created with; what fulfilment expects to have been paid. */
  declare stripe_price_id: CreationOptional<string | null>;
  declare stripe_subscription_id: CreationOptional<string | null>;
  declare stripe_invoice_id: CreationOptional<string | null>;
  declare subscription_status: CreationOptional<SubscriptionStatus | null>;
  declare paid_through: CreationOptional<Date | null>;
  /** Cancelled by the customer; ends when the paid period does (set by customer.subscription.updated). */
  declare cancel_at_period_end: CreationOptional<boolean>;
  /** Stripe's receipt for the payment: the charge's receipt_url, or the invoice's hosted page. */
  declare receipt_url: CreationOptional<string | null>;
  declare completed_at: CreationOptional<Date | null>;
  declare refunded_at: CreationOptional<Date | null>;
  declare disputed_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Purchase.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        user_id: DataTypes.UUID,
        license_id: DataTypes.UUID,
        kind: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'checkout' },
        plan_id: DataTypes.TEXT,
        plan: { type: DataTypes.TEXT, allowNull: false },
        license_type: { type: DataTypes.TEXT, allowNull: false },
        product: { type: DataTypes.TEXT, allowNull: false },
        amount: { type: DataTypes.INTEGER, allowNull: false },
        amount_refunded: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        currency: { type: DataTypes.TEXT, allowNull: false },
        status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'pending' },
        failure_reason: DataTypes.TEXT,
        checkout_status: DataTypes.TEXT,
        stripe_checkout_session_id: DataTypes.TEXT,
        stripe_payment_intent_id: DataTypes.TEXT,
        stripe_customer_id: DataTypes.TEXT,
        stripe_price_id: DataTypes.TEXT,
        stripe_subscription_id: DataTypes.TEXT,
        stripe_invoice_id: DataTypes.TEXT,
        subscription_status: DataTypes.TEXT,
        paid_through: DataTypes.DATE,
        cancel_at_period_end: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        receipt_url: DataTypes.TEXT,
        completed_at: DataTypes.DATE,
        refunded_at: DataTypes.DATE,
        disputed_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'purchases' },
    );
  }
}

export class StripeEventRecord extends Model<InferAttributes<StripeEventRecord>, InferCreationAttributes<StripeEventRecord>> {
  declare id: string;
  declare type: string;
  declare api_version: string | null;
  declare livemode: boolean;
  declare payload: unknown;
  declare received_at: CreationOptional<Date>;
  declare processed_at: CreationOptional<Date | null>;
  declare attempts: CreationOptional<number>;
  declare last_error: CreationOptional<string | null>;

  static initModel(sequelize: Sequelize) {
    StripeEventRecord.init(
      {
        id: { type: DataTypes.TEXT, primaryKey: true },
        type: { type: DataTypes.TEXT, allowNull: false },
        api_version: DataTypes.TEXT,
        livemode: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        payload: { type: DataTypes.JSONB, allowNull: false },
        received_at: DataTypes.DATE,
        processed_at: DataTypes.DATE,
        attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
        last_error: DataTypes.TEXT,
      },
      { sequelize, tableName: 'stripe_events', timestamps: false },
    );
  }
}
