import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';
import type { Role } from '@ngn/shared';

export type UserStatus = 'active' | 'suspended' | 'deleted';

export class User extends Model<InferAttributes<User>, InferCreationAttributes<User>> {
  declare id: CreationOptional<string>;
  declare email: string;
  declare password_hash: string;
  declare first_name: string;
  declare last_name: string;
  declare role: CreationOptional<Role>;
  declare status: CreationOptional<UserStatus>;
  declare email_verified_at: CreationOptional<Date | null>;
  declare stripe_customer_id: CreationOptional<string | null>;
  declare newsletter: CreationOptional<boolean>;
  declare update_mails: CreationOptional<boolean>;
  declare created_at: CreationOptional<Date>;
  declare updated_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    User.init(
      {
        id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
        email: { type: DataTypes.TEXT, allowNull: false },
        password_hash: { type: DataTypes.TEXT, allowNull: false },
        first_name: { type: DataTypes.TEXT, allowNull: false },
        last_name: { type: DataTypes.TEXT, allowNull: false },
        role: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'user' },
        status: { type: DataTypes.TEXT, allowNull: false, defaultValue: 'active' },
        email_verified_at: { type: DataTypes.DATE, allowNull: true },
        stripe_customer_id: { type: DataTypes.TEXT, allowNull: true },
        newsletter: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        update_mails: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
        created_at: DataTypes.DATE,
        updated_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'users' },
    );
  }
}
