import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { HardwareComponents, LicenseState, LicenseType } from '@ngn/shared';

export type LicenseSourceType = 'purchase' | 'admin' | 'trial';

export class Product extends Model<InferAttributes<Product>, InferCreationAttributes<Product>> {
  declare id: string;
  declare name: string;
  declare requires_license: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Product.init(
      {
        id: { type: DataTypes.TEXT, primaryKey: true },
        name: { type: DataTypes.TEXT, allowNull: false },
        requires_license: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: true },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'products' },
    );
  }
}

export class Policy extends Model<InferAttributes<Policy>, InferCreationAttributes<Policy>> {
  declare id: CreationOptional<string>;
  declare product_id: string;
  declare name: string;
  declare license_type: LicenseType;
  declare max_activations: number;
  declare duration_days: number | null;
  declare offline_grace_days: CreationOptional<number>;
  declare max_deactivations: number | null;
  declare deactivation_window_days: CreationOptional<number>;
  declare entitlements: CreationOptional<string[]>;
  declare stale_frees_seat: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Policy.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        product_id: { type: DataTypes.TEXT, allowNull: false },
        name: { type: DataTypes.TEXT, allowNull: false },
        license_type: { type: DataTypes.TEXT, allowNull: false },
        max_activations: { type: DataTypes.INTEGER, allowNull: false },
        duration_days: DataTypes.INTEGER,
        offline_grace_days: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 30 },
        max_deactivations: DataTypes.INTEGER,
        deactivation_window_days: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 30 },
        entitlements: { type: DataTypes.JSONB, allowNull: false, defaultValue: [] },
        stale_frees_seat: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'policies' },
    );
  }
}

export class License extends Model<InferAttributes<License>, InferCreationAttributes<License>> {
  declare id: CreationOptional<string>;
  declare license_key: string;
  declare user_id: string;
  declare product_id: string;
  declare policy_id: string;
  declare status: CreationOptional<LicenseState>;
  declare status_reason: CreationOptional<string | null>;
  declare expires_at: Date | null;
  declare max_activations_override: CreationOptional<number | null>;
  declare source_type: LicenseSourceType;
  declare source_id: string | null;
  declare revoked_at: CreationOptional<Date | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    License.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        license_key: { type: DataTypes.TEXT, allowNull: false },
        user_id: { type: DataTypes.UUID, allowNull: false },
        product_id: { type: DataTypes.TEXT, allowNull: false },
        policy_id: { type: DataTypes.UUID, allowNull: false },
        status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'active' },
        status_reason: DataTypes.TEXT,
        expires_at: DataTypes.DATE,
        max_activations_override: DataTypes.INTEGER,
        source_type: { type: DataTypes.TEXT, allowNull: false },
        source_id: DataTypes.TEXT,
        revoked_at: DataTypes.DATE,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'licenses' },
    );
  }
}

export class Activation extends Model<InferAttributes<Activation>, InferCreationAttributes<Activation>> {
  declare id: CreationOptional<string>;
  declare license_id: string;
  declare fingerprint: string;
  declare components: CreationOptional<HardwareComponents>;
  declare machine_name: string;
  declare os: string;
  declare app_version: string | null;
  declare plugin_version: string | null;
  declare activated_at: CreationOptional<Date>;
  declare last_validated_at: CreationOptional<Date | null>;
  declare last_heartbeat_at: CreationOptional<Date | null>;
  declare token_expires_at: CreationOptional<Date | null>;
  declare stale_at: CreationOptional<Date | null>;
  declare deactivated_at: CreationOptional<Date | null>;
  declare deactivation_reason: CreationOptional<string | null>;
  declare deactivated_by: CreationOptional<string | null>;
  declare rebound_from: CreationOptional<string | null>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    Activation.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        license_id: { type: DataTypes.UUID, allowNull: false },
        fingerprint: { type: DataTypes.TEXT, allowNull: false },
        components: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        machine_name: { type: DataTypes.TEXT, allowNull: false },
        os: { type: DataTypes.TEXT, allowNull: false },
        app_version: DataTypes.TEXT,
        plugin_version: DataTypes.TEXT,
        activated_at: DataTypes.DATE,
        last_validated_at: DataTypes.DATE,
        last_heartbeat_at: DataTypes.DATE,
        token_expires_at: DataTypes.DATE,
        stale_at: DataTypes.DATE,
        deactivated_at: DataTypes.DATE,
        deactivation_reason: DataTypes.TEXT,
        deactivated_by: DataTypes.UUID,
        rebound_from: DataTypes.UUID,
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'activations' },
    );
  }
}
