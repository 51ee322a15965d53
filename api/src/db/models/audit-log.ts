import { DataTypes, Model, type CreationOptional, type InferAttributes, type InferCreationAttributes, type Sequelize } from 'sequelize';

export class AuditLog extends Model<InferAttributes<AuditLog>, InferCreationAttributes<AuditLog>> {
  declare id: CreationOptional<string>;
  declare actor_user_id: string | null;
  declare subject_user_id: string | null;
  declare action: string;
  declare target_type: string | null;
  declare target_id: string | null;
  declare ip: string | null;
  declare user_agent: string | null;
  declare metadata: CreationOptional<Record<string, unknown>>;
  declare created_at: CreationOptional<Date>;

  static initModel(sequelize: Sequelize) {
    AuditLog.init(
      {
        id: { type: DataTypes.BIGINT, primaryKey: true, autoIncrement: true },
        actor_user_id: DataTypes.UUID,
        subject_user_id: DataTypes.UUID,
        action: { type: DataTypes.TEXT, allowNull: false },
        target_type: DataTypes.TEXT,
        target_id: DataTypes.TEXT,
        ip: DataTypes.TEXT,
        user_agent: DataTypes.TEXT,
        metadata: { type: DataTypes.JSONB, allowNull: false, defaultValue: {} },
        created_at: DataTypes.DATE,
      },
      { sequelize, tableName: 'audit_logs', updatedAt: false },
    );
  }
}
